/**
 * `--server auto`: identifies the server from what it answers, cheapest and most specific probes first
 * (protocols.md: §2.6 vLLM `owned_by: "vllm"`, §3.6 SGLang `"sglang"`, §4.6 LMDeploy `"lmdeploy"`, §5.1 trtllm-serve
 * `"tensorrt_llm"`, §7.6 llama.cpp `"llamacpp"` and its `Server: llama.cpp` header, §8 Ollama `/api/version`,
 * §6.6 TGI `/info` with `model_id` + `router`, §5.2 Triton `/v2` `{name: "triton"}`, §9.2 MindIE `/v2`
 * `{name: "MindIE Server"}` or `/info` with `model_device_type: "npu"`). Nothing specific → 'openai'.
 */
import { type HttpClient } from '../net/http.js';
import { type ServerKind } from './kinds.js';

export type { ServerKind };

export interface Detection {
  server: ServerKind;
  /** How it was recognised, e.g. `GET /v1/models owned_by="vllm"`. */
  how: string;
  version: string | null;
}

const OWNED_BY: Record<string, ServerKind> = { vllm: 'vllm', sglang: 'sglang', lmdeploy: 'lmdeploy', tensorrt_llm: 'trtllm', llamacpp: 'llamacpp' };

type Probe = { status: number; json: unknown; headers: Record<string, string | string[] | undefined> } | null;

async function get(http: HttpClient, path: string): Promise<Probe> {
  try {
    const r = await http.json('GET', path, undefined, { timeoutMs: 5000 });
    return { status: r.status, json: r.json, headers: r.headers };
  } catch {
    return null;
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

async function versionAt(http: HttpClient, path: string): Promise<string | null> {
  const v = await get(http, path);
  return v?.status === 200 ? str((v.json as { version?: unknown } | null)?.version) : null;
}

export async function detectServer(http: HttpClient): Promise<Detection | null> {
  const models = await get(http, '/v1/models');
  if (models) {
    const owned = str((models.json as { data?: Array<{ owned_by?: unknown }> } | null)?.data?.[0]?.owned_by);
    const kind = owned ? OWNED_BY[owned] : undefined;
    if (kind) {
      const version = kind === 'vllm' || kind === 'trtllm' || kind === 'sglang' ? await versionAt(http, '/version') : null;
      return { server: kind, how: `GET /v1/models owned_by="${owned}"`, version };
    }
    if (String(models.headers.server ?? '').toLowerCase().includes('llama.cpp')) return { server: 'llamacpp', how: 'GET /v1/models header Server: llama.cpp', version: null };
  }
  const props = await get(http, '/props');
  if (props?.status === 200 && (props.json as { default_generation_settings?: unknown } | null)?.default_generation_settings) {
    return { server: 'llamacpp', how: 'GET /props default_generation_settings', version: str((props.json as { build_info?: unknown }).build_info) };
  }
  const ollama = await get(http, '/api/version');
  if (ollama?.status === 200 && str((ollama.json as { version?: unknown } | null)?.version)) {
    return { server: 'ollama', how: 'GET /api/version', version: str((ollama.json as { version: unknown }).version) };
  }
  const info = await get(http, '/info');
  if (info?.status === 200 && info.json && typeof info.json === 'object') {
    const j = info.json as { model_id?: unknown; router?: unknown; version?: unknown; models?: Array<{ model_device_type?: unknown }> };
    if (j.models?.some((m) => m.model_device_type === 'npu')) return { server: 'mindie', how: 'GET /info model_device_type="npu"', version: null };
    if (str(j.model_id) && (str(j.router) || j.version)) return { server: 'tgi', how: `GET /info model_id, router="${str(j.router) ?? ''}"`, version: str(j.version) };
  }
  const v2 = await get(http, '/v2');
  if (v2?.status === 200 && v2.json && typeof v2.json === 'object') {
    const name = str((v2.json as { name?: unknown }).name) ?? '';
    const version = str((v2.json as { version?: unknown }).version);
    if (/mindie/i.test(name)) return { server: 'mindie', how: `GET /v2 name="${name}"`, version };
    if (/triton/i.test(name)) return { server: 'triton', how: `GET /v2 name="${name}"`, version };
  }
  const mi = await get(http, '/model_info');
  if (mi?.status === 200 && str((mi.json as { model_path?: unknown } | null)?.model_path)) return { server: 'sglang', how: 'GET /model_info model_path', version: await versionAt(http, '/version') };
  if (models?.status === 200) return { server: 'openai', how: 'GET /v1/models answered; no server-specific field', version: null };
  return null;
}
