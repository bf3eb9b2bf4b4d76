// Operations: Prometheus metrics (request latency histograms, decisions by verdict), a per-token rate
// limit, and the security headers every response carries.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  private readonly latency = new Map<string, Histogram>();
  private readonly decisions = new Map<string, number>();
  private readonly uploads = new Map<string, number>();

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
    let h = this.latency.get(key);
    if (!h) {
      h = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.latency.set(key, h);
    }
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  countDecision(verdict: string): void {
    this.decisions.set(verdict, (this.decisions.get(verdict) ?? 0) + 1);
  }

  countUpload(pipeline: string): void {
    this.uploads.set(pipeline, (this.uploads.get(pipeline) ?? 0) + 1);
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    out.push('# HELP portcullis_http_request_duration_seconds API request latency.', '# TYPE portcullis_http_request_duration_seconds histogram');
    for (const [labels, h] of [...this.latency].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      BUCKETS.forEach((b, i) => out.push(`portcullis_http_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`));
      out.push(`portcullis_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`portcullis_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`portcullis_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    out.push('# HELP portcullis_decisions_total Decisions uploaded, by verdict.', '# TYPE portcullis_decisions_total counter');
    for (const [v, n] of [...this.decisions].sort()) out.push(`portcullis_decisions_total{verdict="${esc(v)}"} ${n}`);
    out.push('# HELP portcullis_reports_uploaded_total Scan reports uploaded, by pipeline.', '# TYPE portcullis_reports_uploaded_total counter');
    for (const [p, n] of [...this.uploads].sort()) out.push(`portcullis_reports_uploaded_total{pipeline="${esc(p)}"} ${n}`);
    return out.join('\n') + '\n';
  }
}

/** A token bucket per key (token id, or client address before authentication). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  /** true when the request may proceed; false when the key is over its rate. */
  take(key: string): boolean {
    if (this.perMinute <= 0) return true;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t };
    b.tokens = Math.min(this.perMinute, b.tokens + ((t - b.at) / 60_000) * this.perMinute);
    b.at = t;
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory under a flood of keys
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

export function securityHeaders(tls: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-resource-policy': 'same-origin',
    ...(tls ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}
