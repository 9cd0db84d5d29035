// Mutual TLS, MindIE's default: the request, the detection probes and the metrics scrape all present the client
// certificate and trust the test CA (test/support/tls, throw-away certificates).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/core/clock.js';
import { createMonitors } from '../../src/monitors/monitor.js';
import { request, send, target } from '../support/adapters.js';
import { startMindie } from '../support/servers/index.js';

const DIR = 'test/support/tls';
const pem = (f: string) => readFileSync(`${DIR}/${f}`, 'utf8');

test('mutual TLS: --ca-cert, --client-cert, --client-key reach a server that requires a client certificate', async () => {
  const s = await startMindie({ key: pem('server-key.pem'), cert: pem('server.pem'), ca: pem('ca.pem') });
  const tls = { caCert: `${DIR}/ca.pem`, clientCert: `${DIR}/client.pem`, clientKey: `${DIR}/client-key.pem` };
  try {
    assert.match(s.url, /^https:/);
    const t = await target(s.url, 'auto', 'native', { tls });
    assert.equal(t.info.kind, 'mindie');
    const r = await send(t, request({ max_tokens: 3 }));
    assert.equal(r.text, ' w0 w1 w2');
    await t.close();

    const [m] = createMonitors({ sampleIntervalMs: 60_000, telemetry: 'none', metricsUrl: `${s.url}/metrics`, tls }, t.info, new ManualClock());
    await m!.start();
    const rep = await m!.stop();
    assert.deepEqual(rep.notices, []);
    assert.equal(rep.summary.generation_tokens, 10);

    // Without the client certificate the server refuses the handshake: detection finds nothing (exit 3).
    await assert.rejects(target(s.url, 'auto', 'native', { tls: { caCert: `${DIR}/ca.pem` } }), (e: Error & { exitCode?: number }) => e.exitCode === 3);
    // Without the CA the server's certificate is not trusted, unless --insecure.
    await assert.rejects(target(s.url, 'mindie', 'chat', { tls: { clientCert: tls.clientCert, clientKey: tls.clientKey } }), /self-signed|unable to verify|certificate/i);
    await assert.rejects(target(s.url, 'mindie', 'native', { tls: { clientCert: tls.clientCert, clientKey: tls.clientKey } }), (e: Error & { hint?: string }) => /--ca-cert, --client-cert and --client-key/.test(e.hint ?? ''));
    const insecure = await target(s.url, 'mindie', 'native', { tls: { clientCert: tls.clientCert, clientKey: tls.clientKey, insecure: true } });
    assert.equal((await send(insecure, request({ max_tokens: 2 }))).text, ' w0 w1');
    await insecure.close();
  } finally {
    await s.close();
  }
});
