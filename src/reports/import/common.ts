/** Builds llmbench-shaped results for imported files, with every unknown value null (never 0). */
import { RESULT_SCHEMA, METRICS_SPEC_VERSION, type Distribution, type RunResult, type ScenarioResult, type ScenarioSummary } from '../../core/result.js';
import { VERSION } from '../../core/version.js';

export function emptySummary(): ScenarioSummary {
  return {
    requests_total: 0,
    requests_ok: 0,
    requests_failed: 0,
    error_rate: null,
    duration_s: null,
    request_throughput: null,
    output_token_throughput: null,
    total_token_throughput: null,
    input_token_throughput: null,
    output_tokens_per_client: null,
    mean_concurrency: null,
    max_concurrency: null,
    goodput: null,
    good_requests: null,
    peak_output_token_throughput: null,
  };
}

/**
 * `unmeasured` names summary fields the type requires but the imported tool does not report (llama-bench has
 * no request counts); compare leaves them out rather than showing a 0 that was never measured.
 */
export function importedScenario(id: string, dims: ScenarioResult['dims'], summary: ScenarioSummary, metrics: Record<string, Distribution>, unmeasured: string[] = []): ScenarioResult {
  return {
    unmeasured,
    id,
    dims,
    workload: {},
    load: {},
    status: 'ok',
    error: null,
    summary,
    metrics,
    slo_p90_decode_ms: null,
    lpct_ms: null,
    token_check: { requested: 0, short: 0, short_requests: [], usage_chunk_mismatch: 0, length_forced: null, output_token_sources: {}, input_token_sources: {} },
    warnings: [],
  };
}

export function importedRun(source: string, file: string, label: string, model: string | null, startedAt: string | null, scenarios: ScenarioResult[], raw: Record<string, unknown>): RunResult {
  return {
    schema: RESULT_SCHEMA,
    metrics_spec: METRICS_SPEC_VERSION,
    tool: { name: 'llmbench', version: VERSION },
    run_id: label,
    name: label,
    started_at: startedAt ?? '',
    finished_at: null,
    interrupted: false,
    config: { imported_from: source, file, ...raw },
    environment: {},
    target: model ? { kind: source, url: null, api: null, model, length_forcing: 'none', tokenizer: null } : null,
    scenarios,
    warnings: [],
    imported: { source, file },
  };
}
