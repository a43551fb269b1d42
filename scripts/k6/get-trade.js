// GET /v1/trades/{tradeId}: the read path.
//   scripts/run --config scripts/load-gateway.yaml   (then, from another terminal:)
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e VUS=256 scripts/k6/get-trade.js
import http from 'k6/http';
import { check } from 'k6';
import { API_KEY, BASE_URL, TRADE_ID } from './common.js';
export { options } from './common.js';

const params = { headers: { 'X-API-Key': API_KEY } };

export default function () {
  const res = http.get(`${BASE_URL}/v1/trades/${TRADE_ID}`, params);
  check(res, {
    'status 200': (r) => r.status === 200,
    'has request id': (r) => !!r.headers['X-Request-Id'],
  });
}
