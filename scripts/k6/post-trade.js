// POST /v1/trades with a real order: the write path.
//   scripts/run --config scripts/load-gateway.yaml   (then, from another terminal:)
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e VUS=256 scripts/k6/post-trade.js
import http from 'k6/http';
import { check } from 'k6';
import { API_KEY, BASE_URL, TRADE_BODY } from './common.js';
export { options } from './common.js';

const params = { headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY } };

export default function () {
  const res = http.post(`${BASE_URL}/v1/trades`, TRADE_BODY, params);
  check(res, {
    'status 201': (r) => r.status === 201,
    'has location': (r) => !!r.headers['Location'],
  });
}
