// GET /v1/trades/{tradeId}: the read path.
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e VUS=256 scripts/k6/get-trade.js
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, TRADE_ID } from './common.js';
export { options } from './common.js';

export default function () {
  const res = http.get(`${BASE_URL}/v1/trades/${TRADE_ID}`);
  check(res, {
    'status 200': (r) => r.status === 200,
    'has request id': (r) => !!r.headers['X-Request-Id'],
  });
}
