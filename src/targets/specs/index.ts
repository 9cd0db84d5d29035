/** The registry: every server llmbench speaks to, one spec each. Adding a server = its spec file + one entry here. */
import { type ServerKind } from '../kinds.js';
import { type ServerSpec } from '../spec.js';
import { LLAMACPP } from './llamacpp.js';
import { LMDEPLOY } from './lmdeploy.js';
import { MINDIE } from './mindie.js';
import { OLLAMA } from './ollama.js';
import { OPENAI } from './openai.js';
import { SGLANG } from './sglang.js';
import { TGI } from './tgi.js';
import { TRITON } from './triton.js';
import { TRTLLM } from './trtllm.js';
import { VLLM } from './vllm.js';

export const SPECS: Readonly<Record<ServerKind, ServerSpec>> = {
  openai: OPENAI,
  vllm: VLLM,
  sglang: SGLANG,
  lmdeploy: LMDEPLOY,
  trtllm: TRTLLM,
  triton: TRITON,
  tgi: TGI,
  llamacpp: LLAMACPP,
  ollama: OLLAMA,
  mindie: MINDIE,
};
