// Shared by the k6 scenarios: target, request shapes and the load stages.
//   BASE_URL  gateway (or upstream) to drive, default http://127.0.0.1:8080
//   VUS       concurrent virtual users (connections), default 64; the harness runs 64, 256 and 1024
//   DURATION  how long to hold the load, default 15s
//   API_KEY   the X-API-Key sent, default the key of scripts/load-gateway.yaml; start the gateway with
//             scripts/run --config scripts/load-gateway.yaml (the demo credentials' rate limits, 200
//             reads/s per caller, would answer most of a load test with 429)
export const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
export const VUS = parseInt(__ENV.VUS || '64', 10);
export const DURATION = __ENV.DURATION || '15s';
export const API_KEY = __ENV.API_KEY || 'load-test-key-local-only';

export const TRADE_ID = 'trd_abcdefghij0123456789';
export const TRADE_BODY = JSON.stringify({
  clientOrderId: 'ord-20261124-0001',
  accountId: 'ACC-00012345',
  symbol: 'AAPL',
  side: 'BUY',
  type: 'LIMIT',
  quantity: 100,
  limitPrice: 189.25,
  timeInForce: 'DAY',
});

export const options = {
  scenarios: {
    steady: { executor: 'constant-vus', vus: VUS, duration: DURATION },
  },
  // The rewrite plan's bar: p99 under 100 ms at target concurrency, and no errors.
  thresholds: {
    http_req_failed: ['rate==0'],
    http_req_duration: ['p(99)<100'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
};
