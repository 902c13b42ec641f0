#!/usr/bin/env node
// The OpenAPI contract test (ctest `openapi_contract`):
//
//   node tools/openapi/contract.mjs --binary <path to peerapi> --source <repo root>
//
// 1. Validates src/api/openapi.yaml as OpenAPI 3.1 (@seriousme/openapi-schema-validator), checks
//    that every $ref resolves and that every schema compiles under Ajv's JSON Schema 2020-12
//    dialect in strict mode.
// 2. Starts `peerapi serve` on 127.0.0.1:0 with a temporary config and store and the example
//    PeeringDB snapshot, and checks that GET /openapi.yaml serves the repo file byte for byte.
// 3. Exercises every endpoint with valid and invalid inputs. Every response must have a status
//    documented for its operation, the documented headers (WWW-Authenticate on 401, Allow on
//    405, Retry-After on 429) and a body valid against the documented schema (Ajv 2020 +
//    formats; the response objects are closed with additionalProperties: false, so an
//    undocumented field fails). No response may carry a session secret.
//
// Prints one line per case and ends with `N passed, N failed`; exits 1 when any case failed.
// Plain Node 18+ ESM; the server is started here and stopped by PID on every exit path.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';

// The npm dependencies (tools/openapi/package-lock.json), installed by scripts/install-deps.
let Validator, Ajv2020, addFormats, YAML;
try {
  ({ Validator } = await import('@seriousme/openapi-schema-validator'));
  Ajv2020 = (await import('ajv/dist/2020.js')).default;
  addFormats = (await import('ajv-formats')).default;
  YAML = (await import('yaml')).default;
} catch (e) {
  console.error(`contract.mjs: ${e.message}`);
  console.error('contract.mjs: run scripts/install-deps (npm ci in tools/openapi) first');
  console.log('FAIL  the npm dependencies of tools/openapi are installed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Arguments and reporting

function parseArgs(argv) {
  const args = { binary: null, source: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--binary') args.binary = argv[++i];
    else if (a === '--source') args.source = argv[++i];
    else if (a === '--keep') args.keep = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: contract.mjs --binary <peerapi> --source <repo root> [--keep]');
      process.exit(0);
    } else {
      console.error(`contract.mjs: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!args.binary || !args.source) {
    console.error('usage: contract.mjs --binary <peerapi> --source <repo root> [--keep]');
    process.exit(2);
  }
  args.binary = path.resolve(args.binary);
  args.source = path.resolve(args.source);
  return args;
}

const results = { passed: 0, failed: 0 };

function report(name, problems) {
  if (problems.length === 0) {
    results.passed++;
    console.log(`ok    ${name}`);
  } else {
    results.failed++;
    console.log(`FAIL  ${name}`);
    for (const p of problems) console.log(`        - ${p}`);
  }
}

function finish() {
  console.log(`${results.passed} passed, ${results.failed} failed`);
  return results.failed > 0 ? 1 : 0;
}

const short = (v, n = 300) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > n ? `${s.slice(0, n)}…` : s;
};

// ---------------------------------------------------------------------------------------------
// The document: validation, $ref resolution, Ajv schemas

const SCHEMA_ROOT = 'urn:peerapi:openapi';

function pointerGet(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) {
      throw new Error(`unresolvable $ref ${ref}`);
    }
    node = node[key];
  }
  return node;
}

function deref(doc, obj) {
  let seen = 0;
  while (obj && typeof obj === 'object' && typeof obj.$ref === 'string') {
    if (++seen > 20) throw new Error(`$ref loop at ${obj.$ref}`);
    obj = pointerGet(doc, obj.$ref);
  }
  return obj;
}

function collectRefs(node, out = []) {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

// Schemas refer to each other as #/components/schemas/X; in Ajv they live in one schema
// resource with $defs, so rewrite those refs to point there.
function rewriteSchemaRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteSchemaRefs);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = /^#\/components\/schemas\/(.+)$/.exec(v);
        if (!m) throw new Error(`schema $ref outside components/schemas: ${v}`);
        out[k] = `${SCHEMA_ROOT}#/$defs/${m[1]}`;
      } else {
        out[k] = rewriteSchemaRefs(v);
      }
    }
    return out;
  }
  return node;
}

class Contract {
  constructor(spec) {
    this.spec = spec;
    this.ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SCHEMA_ROOT, $defs: rewriteSchemaRefs(spec.components?.schemas ?? {}) });
    this.cache = new Map();
  }

  compile(schema) {
    let fn = this.cache.get(schema);
    if (!fn) {
      fn = this.ajv.compile(rewriteSchemaRefs(schema));
      this.cache.set(schema, fn);
    }
    return fn;
  }

  schemaNamed(name) {
    return this.spec.components.schemas[name];
  }

  validate(schema, value) {
    const fn = this.compile(schema);
    if (fn(value)) return [];
    return (fn.errors ?? []).slice(0, 8).map(
      (e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${short(e.params, 120)}` : ''}`
    );
  }

  // Every operation, every schema compiles; returns problems.
  selfCheck() {
    const problems = [];
    for (const ref of collectRefs(this.spec)) {
      try {
        pointerGet(this.spec, ref);
      } catch (e) {
        problems.push(e.message);
      }
    }
    for (const name of Object.keys(this.spec.components?.schemas ?? {})) {
      try {
        this.ajv.getSchema(`${SCHEMA_ROOT}#/$defs/${name}`) ?? problems.push(`schema ${name} not found`);
      } catch (e) {
        problems.push(`schema ${name}: ${e.message}`);
      }
    }
    for (const [p, item] of Object.entries(this.spec.paths ?? {})) {
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.includes(method)) continue;
        for (const [status, r] of Object.entries(op.responses ?? {})) {
          try {
            const resp = deref(this.spec, r);
            for (const media of Object.values(resp.content ?? {})) {
              if (media.schema) this.compile(media.schema);
            }
          } catch (e) {
            problems.push(`${method.toUpperCase()} ${p} ${status}: ${e.message}`);
          }
        }
        const body = op.requestBody && deref(this.spec, op.requestBody);
        for (const media of Object.values(body?.content ?? {})) {
          try {
            if (media.schema) this.compile(media.schema);
          } catch (e) {
            problems.push(`${method.toUpperCase()} ${p} request: ${e.message}`);
          }
        }
      }
    }
    return problems;
  }

  documentedMethods(template) {
    const item = this.spec.paths[template];
    return item ? HTTP_METHODS.filter((m) => item[m]).map((m) => m.toUpperCase()) : [];
  }

  // The response object documented for (template, method, status), or for a route-level
  // failure (unknown path, method not allowed) the component response.
  responseObject(template, method, status) {
    const item = template ? this.spec.paths[template] : undefined;
    const op = item?.[method.toLowerCase()];
    if (!item) {
      return status === 404 ? deref(this.spec, { $ref: '#/components/responses/NotFound' }) : null;
    }
    if (!op) {
      return status === 405
        ? deref(this.spec, { $ref: '#/components/responses/MethodNotAllowed' })
        : null;
    }
    const r = op.responses?.[String(status)] ?? op.responses?.[`${String(status)[0]}XX`] ?? op.responses?.default;
    return r ? deref(this.spec, r) : null;
  }

  // Checks one HTTP response against the document; returns problems.
  checkResponse(template, method, res) {
    const problems = [];
    const where = `${method} ${template ?? '(unknown path)'} -> ${res.status}`;
    const doc = this.responseObject(template, method, res.status);
    if (!doc) {
      problems.push(`${where}: status not documented; body ${short(res.text)}`);
      return problems;
    }
    if (res.status >= 500 && res.status !== 503) problems.push(`${where}: server error`);
    for (const [name, h] of Object.entries(doc.headers ?? {})) {
      const header = deref(this.spec, h);
      const value = res.headers.get(name);
      if (value === null) {
        if (header.required) problems.push(`${where}: missing header ${name}`);
        continue;
      }
      if (header.schema) {
        const schema = deref(this.spec, header.schema);
        const v = schema.type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
        for (const e of this.validate(header.schema, v)) problems.push(`${where}: header ${name}: ${e}`);
      }
    }
    // A HEAD answer has no body; its headers are all there is to check.
    if (method === 'HEAD') {
      if (res.text.length > 0) problems.push(`${where}: a HEAD answer with a body`);
      return problems;
    }
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!doc.content || Object.keys(doc.content).length === 0) {
      if (res.text.length > 0) problems.push(`${where}: documented without a body, got ${short(res.text)}`);
      return problems;
    }
    const media = doc.content[contentType];
    if (!media) {
      problems.push(
        `${where}: Content-Type "${contentType}" is not documented (${Object.keys(doc.content).join(', ')})`
      );
      return problems;
    }
    if (contentType === 'application/json' || contentType.endsWith('+json')) {
      if (res.json === undefined) {
        problems.push(`${where}: body is not JSON: ${short(res.text)}`);
        return problems;
      }
      if (media.schema) {
        for (const e of this.validate(media.schema, res.json)) problems.push(`${where}: body ${e}`);
      }
      for (const key of findKeys(res.json, ['session_secret', 'md5'])) {
        problems.push(`${where}: response carries a secret field at ${key}`);
      }
    }
    return problems;
  }
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function findKeys(node, names, at = '', out = []) {
  if (Array.isArray(node)) node.forEach((n, i) => findKeys(n, names, `${at}[${i}]`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const here = at ? `${at}.${k}` : k;
      if (names.includes(k)) out.push(here);
      findKeys(v, names, here, out);
    }
  }
  return out;
}

async function validateDocument(file) {
  const problems = [];
  const validator = new Validator();
  const res = await validator.validate(file);
  if (!res.valid) {
    const errs = Array.isArray(res.errors) ? res.errors : [res.errors];
    for (const e of errs.slice(0, 20)) {
      problems.push(typeof e === 'string' ? e : `${e.instancePath ?? ''} ${e.message ?? ''} ${short(e.params ?? '', 160)}`);
    }
  } else if (validator.version !== '3.1') {
    problems.push(`expected OpenAPI 3.1, validator saw ${validator.version}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The server under test

let child = null;
let tmpDir = null;
const serverLog = [];

function killChild(signal = 'SIGKILL') {
  if (child && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, signal);
    } catch {
      // already gone
    }
  }
}

process.on('exit', () => killChild('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    killChild('SIGKILL');
    process.exit(1);
  });
}

function writeConfig(dir, source) {
  const q = (s) => JSON.stringify(s); // a TOML basic string
  const cfg = `[server]
listen = ["127.0.0.1:0"]
base_path = "/"
[network]
asns = [64500]
contact_email = "peering@example.net"
[store]
sqlite = ${q(path.join(dir, 'peerapi.db'))}
[peeringdb]
snapshot_dir = ${q(path.join(source, 'examples', 'peeringdb'))}
[approval]
mode = "auto"
[[auth.static_tokens]]
token = "dev-token-64501"
asns = [64501]
subject = "noc@as64501.example"
[[auth.static_tokens]]
token = "dev-token-64502"
asns = [64502]
subject = "noc@as64502.example"
`;
  const file = path.join(dir, 'peerapi.toml');
  fs.writeFileSync(file, cfg);
  return file;
}

function startServer(binary, configFile) {
  return new Promise((resolve, reject) => {
    child = spawn(binary, ['serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        reject(new Error('no "listening on http://127.0.0.1:<port>" line within 20 s'));
      }
    }, 20000);
    const onLine = (line) => {
      serverLog.push(line);
      if (serverLog.length > 400) serverLog.shift();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    child.on('error', (e) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    child.on('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`server exited early (code ${code}, signal ${signal})`));
      }
    });
  });
}

async function stopServer() {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killChild('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 5000);
  });
  const outcome = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    killChild('SIGKILL');
    await exited;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// HTTP

let baseUrl = '';
const SECRETS = new Set();

async function http(method, target, { token, json, body, contentType, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    h['content-type'] = contentType ?? 'application/json';
  } else if (body !== undefined) {
    payload = body;
    if (contentType) h['content-type'] = contentType;
  }
  const res = await fetch(baseUrl + target, {
    method,
    headers: h,
    body: payload,
    redirect: 'manual',
    signal: AbortSignal.timeout(15000),
  });
  const text = await res.text();
  let parsed;
  try {
    parsed = text.length ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: parsed };
}

// ---------------------------------------------------------------------------------------------
// Cases

const T1 = 'dev-token-64501';
const T2 = 'dev-token-64502';
const SERVER_ASN = 64500;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sess(over = {}) {
  return {
    local_asn: 64501,
    local_ip: '192.0.2.11',
    peer_asn: SERVER_ASN,
    peer_ip: '192.0.2.10',
    location: { id: 'pdb:ix:1', type: 'public' },
    ...over,
  };
}

class Case {
  constructor(contract, name) {
    this.contract = contract;
    this.name = name;
    this.problems = [];
  }

  // Sends a request and checks the response against the document. `template` is the documented
  // path (null for a path the document does not have).
  async req(method, template, target, opts) {
    const res = await http(method, target, opts);
    for (const p of this.contract.checkResponse(template, method, res)) this.problems.push(p);
    for (const s of SECRETS) {
      if (res.text.includes(s)) this.problems.push(`${method} ${target}: response contains a session secret`);
    }
    return res;
  }

  ok(cond, msg) {
    if (!cond) this.problems.push(msg);
    return cond;
  }

  status(res, ...codes) {
    return this.ok(codes.includes(res.status), `expected status ${codes.join(' or ')}, got ${res.status}: ${short(res.text)}`);
  }

  // The body's errors[] has one with this code (and name, when given).
  hasError(res, code, name) {
    const errs = res.json?.errors ?? [];
    const codes = Array.isArray(code) ? code : [code];
    const found = errs.some((e) => codes.includes(e.code) && (name === undefined || e.name === name));
    return this.ok(found, `expected an error ${codes.join('|')}${name !== undefined ? ` named "${name}"` : ''}, got ${short(errs)}`);
  }
}

async function run(contract, name, fn) {
  const c = new Case(contract, name);
  try {
    await fn(c);
  } catch (e) {
    c.problems.push(`exception: ${e?.stack ?? e}`);
  }
  report(name, c.problems);
  return c;
}

function errorsOf(item) {
  return (item?.errors ?? []).map((e) => `${e.name}:${e.code}`);
}

async function serverCases(contract, repoDocument) {
  const st = {}; // state shared between cases
  const R = (name, fn) => run(contract, name, fn);

  await R('GET and HEAD /healthz answer 200 without credentials', async (c) => {
    const r = await c.req('GET', '/healthz', '/healthz');
    c.status(r, 200);
    const h = await c.req('HEAD', '/healthz', '/healthz');
    c.status(h, 200);
  });

  await R('GET and HEAD /readyz answer 200 without credentials', async (c) => {
    const r = await c.req('GET', '/readyz', '/readyz');
    c.status(r, 200);
    const h = await c.req('HEAD', '/readyz', '/readyz');
    c.status(h, 200);
  });

  await R('GET /openapi.yaml serves src/api/openapi.yaml byte for byte', async (c) => {
    const res = await fetch(`${baseUrl}/openapi.yaml`, { signal: AbortSignal.timeout(15000) });
    const bytes = Buffer.from(await res.arrayBuffer());
    const r = { status: res.status, headers: res.headers, text: bytes.toString('utf8'), json: undefined };
    for (const p of contract.checkResponse('/openapi.yaml', 'GET', r)) c.problems.push(p);
    c.status(r, 200);
    c.ok(bytes.equals(repoDocument), `served document (${bytes.length} bytes) differs from the repo file (${repoDocument.length} bytes)`);
    const h = await c.req('HEAD', '/openapi.yaml', '/openapi.yaml');
    c.status(h, 200);
  });

  // ---- GET /locations
  await R('GET /locations?asn=64500 lists the shared locations with addresses', async (c) => {
    const r = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}`, { token: T1 });
    if (!c.status(r, 200)) return;
    const locs = r.json.locations ?? [];
    st.locationIds = locs.map((l) => l.id);
    const ids = new Set(st.locationIds);
    for (const id of ['pdb:ix:1', 'pdb:ix:2', 'pdb:fac:1']) c.ok(ids.has(id), `missing ${id} in ${short(st.locationIds)}`);
    for (const id of ['pdb:ix:3', 'pdb:fac:2']) c.ok(!ids.has(id), `${id} is not shared with AS64501 but listed`);
    c.ok(ids.size === locs.length, `duplicate ids ${short(st.locationIds)}`);
    const ix1 = locs.find((l) => l.id === 'pdb:ix:1');
    if (ix1) {
      c.ok(ix1.type === 'public', `pdb:ix:1 type ${ix1.type}`);
      c.ok(ix1.local_ips?.includes('192.0.2.11') && ix1.local_ips?.includes('2001:db8:ffff::11'), `pdb:ix:1 local_ips ${short(ix1.local_ips)}`);
      c.ok(ix1.peer_ips?.includes('192.0.2.10') && ix1.peer_ips?.includes('2001:db8:ffff::10'), `pdb:ix:1 peer_ips ${short(ix1.peer_ips)}`);
      c.ok(!ix1.local_ips?.includes('192.0.2.12'), 'pdb:ix:1 local_ips include another network\'s address');
    }
    const fac1 = locs.find((l) => l.id === 'pdb:fac:1');
    if (fac1) c.ok(fac1.type === 'private', `pdb:fac:1 type ${fac1.type}`);
  });

  await R('GET /locations paginates with max_results=1 following next_token', async (c) => {
    const seen = [];
    let token;
    for (let page = 0; page < 20; page++) {
      const q = `/locations?asn=${SERVER_ASN}&max_results=1${token ? `&next_token=${encodeURIComponent(token)}` : ''}`;
      const r = await c.req('GET', '/locations', q, { token: T1 });
      if (!c.status(r, 200)) return;
      c.ok((r.json.locations ?? []).length <= 1, `page ${page} has ${r.json.locations?.length} items`);
      seen.push(...(r.json.locations ?? []).map((l) => l.id));
      token = r.json.next_token;
      if (!token) break;
      if (page === 0) st.locationsToken = token;
    }
    c.ok(!token, 'still a next_token after 20 pages');
    c.ok(new Set(seen).size === seen.length, `duplicates across pages: ${short(seen)}`);
    if (st.locationIds) c.ok(JSON.stringify(seen) === JSON.stringify(st.locationIds), `pages ${short(seen)} != unpaged ${short(st.locationIds)}`);
  });

  await R('GET /locations?location_type=public|private filters', async (c) => {
    const pub = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}&location_type=public`, { token: T1 });
    if (c.status(pub, 200)) {
      const ids = pub.json.locations.map((l) => l.id);
      c.ok(ids.length > 0 && pub.json.locations.every((l) => l.type === 'public'), `public: ${short(ids)}`);
    }
    const priv = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}&location_type=private`, { token: T1 });
    if (c.status(priv, 200)) {
      const ids = priv.json.locations.map((l) => l.id);
      c.ok(ids.includes('pdb:fac:1') && priv.json.locations.every((l) => l.type === 'private'), `private: ${short(ids)}`);
    }
    const bad = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}&location_type=both`, { token: T1 });
    c.status(bad, 400);
  });

  await R('GET /locations with a non-server ASN is 400 not_server_asn', async (c) => {
    const r = await c.req('GET', '/locations', '/locations?asn=64501', { token: T1 });
    if (c.status(r, 400)) c.hasError(r, 'not_server_asn');
  });

  await R('GET /locations with bad query parameters is 400', async (c) => {
    for (const q of ['', '?asn=abc', '?asn=-1', `?asn=${SERVER_ASN}&max_results=0`, `?asn=${SERVER_ASN}&max_results=101`, `?asn=${SERVER_ASN}&max_results=x`]) {
      const r = await c.req('GET', '/locations', `/locations${q}`, { token: T1 });
      c.ok(r.status === 400, `${q || '(no query)'}: expected 400, got ${r.status}`);
    }
  });

  await R('GET /locations with a forged next_token is 400 invalid_next_token', async (c) => {
    const r = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}&next_token=AAAAforged`, { token: T1 });
    if (c.status(r, 400)) c.hasError(r, 'invalid_next_token');
    if (st.locationsToken) {
      const t = st.locationsToken;
      const flipped = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1);
      const r2 = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}&max_results=1&next_token=${encodeURIComponent(flipped)}`, { token: T1 });
      if (c.status(r2, 400)) c.hasError(r2, 'invalid_next_token');
    }
  });

  await R('GET /locations without a token is 401 with WWW-Authenticate', async (c) => {
    const r = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}`);
    c.status(r, 401);
    const r2 = await c.req('GET', '/locations', `/locations?asn=${SERVER_ASN}`, { token: 'not-a-token' });
    if (c.status(r2, 401)) {
      c.ok(/error="invalid_token"/.test(r2.headers.get('www-authenticate') ?? ''), `WWW-Authenticate for a bad token: ${r2.headers.get('www-authenticate')}`);
    }
  });

  // ---- POST /sessions
  await R('POST /sessions accepted (object form, client request_id, secret) is 200', async (c) => {
    st.clientRequestId = randomUUID();
    const secret = 'Zx9-contract-secret-1';
    SECRETS.add(secret);
    st.createBody = {
      request_id: st.clientRequestId,
      return_url: 'https://peering.as64501.example/api',
      sessions: [
        sess({ location: 'pdb:ix:1', session_secret: secret, local_bgp_role: 4, peer_bgp_role: 4 }),
        sess({ local_ip: '2001:DB8:FFFF:0:0:0:0:11', peer_ip: '2001:db8:ffff::10', peer_type: 'public' }),
      ],
    };
    const docProblems = contract.validate(contract.schemaNamed('SessionRequest'), st.createBody);
    c.ok(docProblems.length === 0, `the document rejects a valid request: ${docProblems.join('; ')}`);
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: st.createBody, contentType: 'application/json; charset=utf-8' });
    if (!c.status(r, 200)) return;
    st.createAnswer = r.text;
    const b = r.json;
    c.ok(UUID_RE.test(b.request_id ?? '') && b.request_id !== st.clientRequestId, `request_id ${b.request_id} must be the server's own`);
    c.ok(b.client_request_id === st.clientRequestId, `client_request_id ${b.client_request_id}`);
    c.ok(b.sessions?.length === 2 && b.rejected?.length === 0, `accepted ${b.sessions?.length}, rejected ${short(b.rejected)}`);
    st.requestId = b.request_id;
    st.s1 = b.sessions?.[0];
    st.s2 = b.sessions?.[1];
    for (const s of b.sessions ?? []) {
      c.ok(s.status === 'approved', `status ${s.status} (approval mode auto)`);
      c.ok(s.request_id === b.request_id, `session request_id ${s.request_id}`);
      c.ok(s.location?.id === 'pdb:ix:1' && s.location?.type === 'public', `location ${short(s.location)}`);
      c.ok(s.local_insert_asn === true && s.peer_insert_asn === true, 'insert_asn defaults');
      c.ok(s.local_monitoring_session === false && s.peer_monitoring_session === false, 'monitoring defaults');
      c.ok(s.local_bgp_role === 4 && s.peer_bgp_role === 4, 'role defaults');
      c.ok(s.peer_type === 'public', `peer_type ${s.peer_type}`);
    }
    c.ok(st.s2?.local_ip === '2001:db8:ffff::11', `local_ip not in RFC 5952 form: ${st.s2?.local_ip}`);
  });

  await R('POST /sessions replay of the same client request_id returns the stored answer', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: st.createBody });
    if (!c.status(r, 200)) return;
    c.ok(r.json.request_id === st.requestId, `request_id ${r.json.request_id} != ${st.requestId}`);
    c.ok(JSON.stringify(r.json.sessions?.map((s) => s.session_id)) === JSON.stringify([st.s1?.session_id, st.s2?.session_id]), 'different session ids on replay');
  });

  await R('POST /sessions same client request_id with another body is 409', async (c) => {
    const body = { ...st.createBody, sessions: [sess({ local_ip: '198.51.100.11', peer_ip: '198.51.100.10', location: 'pdb:ix:2' })] };
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: body });
    if (c.status(r, 409)) c.hasError(r, 'request_id_conflict');
  });

  await R('POST /sessions partial (bare array, md5 alias) is 200 with rejected', async (c) => {
    const secret = 'Zx9-contract-secret-2';
    SECRETS.add(secret);
    const body = [
      sess({ local_ip: '198.51.100.11', peer_ip: '198.51.100.10', location: { id: 'pdb:ix:2', type: 'public' }, md5: secret }),
      sess({ local_ip: '192.0.2.99', md5: secret }),
    ];
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: body });
    if (!c.status(r, 200)) return;
    const b = r.json;
    c.ok(b.sessions?.length === 1 && b.rejected?.length === 1, `accepted ${b.sessions?.length}, rejected ${b.rejected?.length}`);
    c.ok(b.client_request_id === undefined, 'client_request_id without a client request_id');
    st.s3 = b.sessions?.[0];
    c.ok(st.s3?.location?.id === 'pdb:ix:2', `accepted ${short(st.s3)}`);
    const rej = b.rejected?.[0];
    if (rej) {
      c.ok(rej.local_ip === '192.0.2.99', `rejected item does not carry its original fields: ${short(rej)}`);
      c.ok((rej.errors ?? []).some((e) => e.name === 'sessions[1].local_ip' && ['ip_not_caller_address', 'ip_outside_ixlan'].includes(e.code)), `errors ${short(errorsOf(rej))}`);
    }
  });

  await R('POST /sessions all rejected is 422 with contact_email', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: { sessions: [sess({ peer_asn: 64510 })] } });
    if (!c.status(r, 422)) return;
    const b = r.json;
    c.ok(b.contact_email === 'peering@example.net', `contact_email ${b.contact_email}`);
    c.hasError(r, 'all_rejected', 'sessions');
    c.ok(b.sessions?.length === 0 && b.rejected?.length === 1, `sessions ${b.sessions?.length}, rejected ${b.rejected?.length}`);
    c.ok((b.rejected?.[0]?.errors ?? []).some((e) => e.code === 'not_server_asn' && e.name === 'sessions[0].peer_asn'), `errors ${short(errorsOf(b.rejected?.[0]))}`);
    c.ok((b.rejected?.[0]?.errors ?? []).some((e) => e.code === 'not_server_asn' && e.errors.some((m) => /local|peer/.test(m))), 'not_server_asn message does not name the local/peer rule');
  });

  await R('POST /sessions reports every per-session check with its code and path', async (c) => {
    const secret = 'Zx9-contract-secret-3';
    SECRETS.add(secret);
    const rows = [
      [sess({ peer_asn: 23456 }), ['reserved_asn', 'not_server_asn']],
      [sess({ local_asn: 64502, local_ip: '192.0.2.12' }), ['asn_not_authorized']],
      [sess({ location: 'pdb:ix:999' }), ['unknown_location']],
      [sess({ location: 'pdb:ix:3', local_ip: '203.0.113.11', peer_ip: '203.0.113.10' }), ['location_not_common']],
      [sess({ peer_type: 'private' }), ['peer_type_mismatch']],
      [sess({ location: { id: 'pdb:fac:1', type: 'private' }, peer_type: 'private' }), ['private_peering_unsupported']],
      [sess({ local_ip: '192.0.2.12' }), ['ip_not_caller_address']],
      [sess({ local_ip: '203.0.113.77' }), ['ip_outside_ixlan', 'ip_not_caller_address']],
      [sess({ peer_ip: '192.0.2.99' }), ['ip_not_server_address']],
      [sess({ peer_ip: '2001:db8:ffff::10' }), ['ip_family_mismatch']],
      [sess({ local_bgp_role: 0 }), ['role_incomplete']],
      [sess({ local_bgp_role: 0, peer_bgp_role: 0 }), ['role_mismatch']],
      [sess({ local_bgp_role: 7, peer_bgp_role: 4 }), ['invalid_role', 'out_of_range', 'invalid_value']],
      [sess({ local_monitoring_session: true, peer_monitoring_session: true }), ['both_monitoring']],
      [sess({ local_ip: '192.0.2.300' }), ['invalid_ip']],
      [sess({ local_asn: '64501' }), ['wrong_type']],
      [sess({ colour: 'blue' }), ['unknown_field']],
      [(() => { const s = sess(); delete s.peer_ip; return s; })(), ['missing_field']],
      [sess({ session_secret: 'has space' }), ['invalid_secret']],
      [sess({ session_id: randomUUID() }), '*'],
      [sess({ location: 'pdb:ix:01' }), ['invalid_location']],
      [sess({ local_ip: '198.51.100.11', peer_ip: '198.51.100.10', location: 'pdb:ix:2', session_secret: secret }), ['duplicate_session']],
      [sess({ local_ip: '198.51.100.11', peer_ip: '198.51.100.10', location: 'pdb:ix:1' }), ['ip_outside_ixlan', 'ip_not_caller_address']],
    ];
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: { sessions: rows.map((x) => x[0]) } });
    if (!c.status(r, 422)) return;
    const rejected = r.json.rejected ?? [];
    c.ok(rejected.length === rows.length, `rejected ${rejected.length} of ${rows.length}`);
    rows.forEach(([, codes], i) => {
      const item = rejected[i];
      const errs = item?.errors ?? [];
      const ok = errs.some((e) => (codes === '*' || codes.includes(e.code)) && e.name.startsWith(`sessions[${i}]`));
      c.ok(ok, `sessions[${i}]: expected ${codes === '*' ? 'an error' : codes.join('|')}, got ${short(errorsOf(item))}`);
      for (const e of errs) c.ok(e.name.startsWith(`sessions[${i}]`), `sessions[${i}]: error path ${e.name}`);
    });
  });

  await R('POST /sessions whose only session is malformed is 400 naming every field', async (c) => {
    // docs/wire.md: when no session is accepted and a session is malformed (a client bug), the
    // answer is 400 with every field error and nothing is stored; 422 is for refusals by rule.
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: [sess({ local_ip: '192.0.2.256', local_bgp_role: 9, peer_bgp_role: 4 })] });
    if (!c.status(r, 400)) return;
    const names = (r.json.errors ?? []).map((e) => e.name);
    c.ok(names.includes('sessions[0].local_ip') && names.includes('sessions[0].local_bgp_role'), `not every failure reported: ${short(names)}`);
  });

  await R('POST /sessions duplicate within one request: first accepted, second rejected', async (c) => {
    const one = sess({ local_ip: '2001:db8:fffe::11', peer_ip: '2001:db8:fffe::10', location: 'pdb:ix:2' });
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: [one, { ...one }] });
    if (!c.status(r, 200)) return;
    st.s4 = r.json.sessions?.[0];
    c.ok(r.json.sessions?.length === 1 && r.json.rejected?.length === 1, `accepted ${r.json.sessions?.length}`);
    c.ok((r.json.rejected?.[0]?.errors ?? []).some((e) => e.code === 'duplicate_in_request' && e.name.startsWith('sessions[1]')), `errors ${short(errorsOf(r.json.rejected?.[0]))}`);
  });

  await R('POST /sessions as AS64502 (other caller) is 200', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T2, json: [sess({ local_asn: 64502, local_ip: '192.0.2.12' })] });
    if (c.status(r, 200)) st.other = r.json.sessions?.[0];
  });

  await R('POST /sessions for an ASN the caller may not act for is 403 or 422', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: [sess({ local_asn: 64502, local_ip: '192.0.2.12' })] });
    if (c.status(r, 403, 422)) c.ok(JSON.stringify(r.json).includes('asn_not_authorized'), `no asn_not_authorized in ${short(r.text)}`);
  });

  await R('POST /sessions malformed JSON is 400 malformed_json', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, body: '{"sessions": [', contentType: 'application/json' });
    if (c.status(r, 400)) c.hasError(r, 'malformed_json');
    const r2 = await c.req('POST', '/sessions', '/sessions', { token: T1, body: '[] trailing', contentType: 'application/json' });
    if (c.status(r2, 400)) c.hasError(r2, 'malformed_json');
  });

  await R('POST /sessions wrong top-level shapes are 400', async (c) => {
    for (const body of ['42', '"x"', 'null', '{}', '{"sessions": {}}', '[]', '{"sessions": []}', '{"sessions": [], "extra": 1}']) {
      const r = await c.req('POST', '/sessions', '/sessions', { token: T1, body, contentType: 'application/json' });
      c.ok(r.status === 400, `${body}: expected 400, got ${r.status} ${short(r.text, 160)}`);
    }
  });

  await R('POST /sessions with a bad request_id or return_url is 400', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: { request_id: 'not-a-uuid', sessions: [sess()] } });
    if (c.status(r, 400)) c.hasError(r, 'invalid_uuid', 'request_id');
    const r2 = await c.req('POST', '/sessions', '/sessions', { token: T1, json: { return_url: 'http://insecure.example/', sessions: [sess()] } });
    if (c.ok(r2.status === 400, `a plain-http return_url was not refused: expected 400 invalid_url, got ${r2.status} ${short(r2.text, 200)}`)) {
      c.hasError(r2, 'invalid_url', 'return_url');
    }
    const r3 = await c.req('POST', '/sessions', '/sessions', { token: T1, json: { return_url: 'not a url', sessions: [sess()] } });
    if (c.status(r3, 400)) c.hasError(r3, 'invalid_url', 'return_url');
  });

  await R('POST /sessions nested deeper than 16 levels is 400 too_deep', async (c) => {
    const body = `{"sessions": [${'['.repeat(40)}${']'.repeat(40)}]}`;
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, body, contentType: 'application/json' });
    if (c.status(r, 400)) c.hasError(r, 'too_deep');
  });

  await R('POST /sessions with 101 sessions is 413 too_many_items', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: Array.from({ length: 101 }, () => sess()) });
    if (c.status(r, 413)) c.hasError(r, 'too_many_items');
  });

  await R('POST /sessions with a body above 1 MiB is 413 body_too_large', async (c) => {
    const body = JSON.stringify({ sessions: [sess({ padding: 'x'.repeat(1024 * 1024 + 16) })] });
    let r;
    try {
      r = await c.req('POST', '/sessions', '/sessions', { token: T1, body, contentType: 'application/json' });
    } catch (e) {
      c.ok(false, `request failed without an HTTP answer: ${e.cause?.code ?? e.message}`);
      return;
    }
    if (c.status(r, 413)) c.hasError(r, 'body_too_large');
  });

  await R('POST /sessions with a non-JSON Content-Type is 415', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, body: JSON.stringify([sess()]), contentType: 'text/plain' });
    if (c.status(r, 415)) c.hasError(r, 'unsupported_media_type');
    const r2 = await c.req('POST', '/sessions', '/sessions', { token: T1, body: JSON.stringify([sess()]) });
    c.status(r2, 415);
  });

  await R('POST /sessions without a token is 401 with WWW-Authenticate', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { json: [sess()] });
    if (c.status(r, 401)) {
      c.ok(/^Bearer realm="peerapi"/.test(r.headers.get('www-authenticate') ?? ''), `WWW-Authenticate ${r.headers.get('www-authenticate')}`);
      c.hasError(r, 'unauthenticated');
    }
    const r2 = await c.req('POST', '/sessions', '/sessions', { token: 'dev-token-6450', json: [sess()] });
    if (c.status(r2, 401)) c.ok(/error="invalid_token"/.test(r2.headers.get('www-authenticate') ?? ''), `WWW-Authenticate ${r2.headers.get('www-authenticate')}`);
    // Credentials of another scheme are no bearer token at all: 401 without an error code
    // (RFC 6750 section 3; docs/wire.md "Missing or unknown token: 401").
    const r3 = await c.req('POST', '/sessions', '/sessions', { json: [sess()], headers: { authorization: 'Basic ZGV2OnRva2Vu' } });
    if (c.status(r3, 401)) c.ok(!/error=/.test(r3.headers.get('www-authenticate') ?? ''), `WWW-Authenticate ${r3.headers.get('www-authenticate')}`);
  });

  // ---- GET /sessions
  await R('GET /sessions?asn=64501 lists the caller\'s sessions, oldest first', async (c) => {
    const r = await c.req('GET', '/sessions', '/sessions?asn=64501', { token: T1 });
    if (!c.status(r, 200)) return;
    const list = r.json.sessions ?? [];
    st.list = list.map((s) => s.session_id);
    for (const s of [st.s1, st.s2, st.s3, st.s4]) if (s) c.ok(st.list.includes(s.session_id), `missing ${s.session_id}`);
    c.ok(list.every((s) => s.local_asn === 64501), 'a session of another ASN is listed');
    c.ok(!st.other || !st.list.includes(st.other.session_id), 'AS64502\'s session is listed for AS64501');
    for (let i = 1; i < list.length; i++) c.ok(list[i - 1].created_at <= list[i].created_at, `not oldest first at ${i}`);
    c.ok(r.json.next_token === undefined, 'next_token on the only page');
  });

  await R('GET /sessions paginates with max_results=1 following next_token', async (c) => {
    const seen = [];
    let token;
    for (let page = 0; page < 50; page++) {
      const q = `/sessions?asn=64501&max_results=1${token ? `&next_token=${encodeURIComponent(token)}` : ''}`;
      const r = await c.req('GET', '/sessions', q, { token: T1 });
      if (!c.status(r, 200)) return;
      c.ok((r.json.sessions ?? []).length <= 1, `page ${page} has ${r.json.sessions?.length} items`);
      seen.push(...(r.json.sessions ?? []).map((s) => s.session_id));
      token = r.json.next_token;
      if (!token) break;
      if (page === 0) st.sessionsToken = token;
    }
    c.ok(!token, 'still a next_token after 50 pages');
    if (st.list) c.ok(JSON.stringify(seen) === JSON.stringify(st.list), `pages ${short(seen)} != unpaged ${short(st.list)}`);
  });

  await R('GET /sessions?request_id= lists one request', async (c) => {
    const r = await c.req('GET', '/sessions', `/sessions?asn=64501&request_id=${st.requestId}`, { token: T1 });
    if (!c.status(r, 200)) return;
    const ids = (r.json.sessions ?? []).map((s) => s.session_id);
    c.ok(JSON.stringify(ids) === JSON.stringify([st.s1?.session_id, st.s2?.session_id]), `sessions ${short(ids)}`);
    const r2 = await c.req('GET', '/sessions', `/sessions?asn=64501&request_id=${randomUUID()}`, { token: T1 });
    if (c.status(r2, 200)) c.ok(r2.json.sessions?.length === 0, 'sessions for an unknown request id');
  });

  await R('GET /sessions with bad query parameters is 400', async (c) => {
    const cases = [
      ['', undefined],
      ['?asn=64501&request_id=nope', 'invalid_uuid'],
      ['?asn=64501&max_results=0', undefined],
      ['?asn=64501&max_results=1000', undefined],
      ['?asn=banana', undefined],
      ['?asn=64501&next_token=%2F%2F%2F', 'invalid_next_token'],
    ];
    if (st.locationsToken) cases.push([`?asn=64501&next_token=${encodeURIComponent(st.locationsToken)}`, 'invalid_next_token']);
    if (st.sessionsToken) cases.push([`?asn=64501&request_id=${st.requestId}&next_token=${encodeURIComponent(st.sessionsToken)}`, 'invalid_next_token']);
    for (const [q, code] of cases) {
      const r = await c.req('GET', '/sessions', `/sessions${q}`, { token: T1 });
      if (c.ok(r.status === 400, `${q || '(no query)'}: expected 400, got ${r.status} ${short(r.text, 160)}`) && code) c.hasError(r, code);
    }
  });

  await R('GET /sessions?asn=64502 with the AS64501 token is 403', async (c) => {
    const r = await c.req('GET', '/sessions', '/sessions?asn=64502', { token: T1 });
    if (c.status(r, 403)) c.hasError(r, 'asn_not_authorized');
  });

  await R('GET /sessions without a token is 401', async (c) => {
    const r = await c.req('GET', '/sessions', '/sessions?asn=64501');
    c.status(r, 401);
  });

  // ---- GET /sessions/{session_id}
  await R('GET /sessions/{session_id} returns the session', async (c) => {
    const r = await c.req('GET', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`, { token: T1 });
    if (!c.status(r, 200)) return;
    for (const k of ['session_id', 'request_id', 'local_asn', 'local_ip', 'peer_asn', 'peer_ip', 'location', 'created_at']) {
      c.ok(JSON.stringify(r.json[k]) === JSON.stringify(st.s1[k]), `${k}: ${short(r.json[k])} != ${short(st.s1[k])}`);
    }
  });

  await R('GET /sessions/{session_id} of another caller is 404', async (c) => {
    const r = await c.req('GET', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`, { token: T2 });
    if (c.status(r, 404)) c.ok(!r.text.includes('64501'), 'the 404 reveals the owner');
    if (st.other) {
      const r2 = await c.req('GET', '/sessions/{session_id}', `/sessions/${st.other.session_id}`, { token: T1 });
      c.status(r2, 404);
    }
    const r3 = await c.req('GET', '/sessions/{session_id}', `/sessions/${randomUUID()}`, { token: T1 });
    c.status(r3, 404);
  });

  await R('GET /sessions/{session_id} with a bad uuid is 400 invalid_uuid', async (c) => {
    const r = await c.req('GET', '/sessions/{session_id}', '/sessions/not-a-uuid', { token: T1 });
    if (c.status(r, 400)) c.hasError(r, 'invalid_uuid');
  });

  await R('GET /sessions/{session_id} without a token is 401', async (c) => {
    const r = await c.req('GET', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`);
    c.status(r, 401);
  });

  // ---- DELETE /sessions/{session_id}
  await R('DELETE /sessions/{session_id} of another caller is 404', async (c) => {
    const r = await c.req('DELETE', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`, { token: T2 });
    c.status(r, 404);
    const r2 = await c.req('DELETE', '/sessions/{session_id}', `/sessions/${randomUUID()}`, { token: T1 });
    c.status(r2, 404);
    const r3 = await c.req('DELETE', '/sessions/{session_id}', '/sessions/12345', { token: T1 });
    if (c.status(r3, 400)) c.hasError(r3, 'invalid_uuid');
    const r4 = await c.req('DELETE', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`);
    c.status(r4, 401);
  });

  await R('DELETE /sessions/{session_id} is 204, idempotent, and the session becomes deleted', async (c) => {
    const r = await c.req('DELETE', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`, { token: T1 });
    c.status(r, 204);
    const again = await c.req('DELETE', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`, { token: T1 });
    c.status(again, 204);
    const g = await c.req('GET', '/sessions/{session_id}', `/sessions/${st.s1?.session_id}`, { token: T1 });
    if (c.status(g, 200)) c.ok(g.json.status === 'deleted', `status ${g.json.status}`);
  });

  await R('POST /sessions again for a deleted session\'s tuple is accepted', async (c) => {
    const r = await c.req('POST', '/sessions', '/sessions', { token: T1, json: [sess()] });
    if (c.status(r, 200)) st.s5 = r.json.sessions?.[0];
  });

  // ---- DELETE /sessions (batch)
  await R('DELETE /sessions batch is 200 with per-item results', async (c) => {
    const missing = randomUUID();
    const refs = [st.s2?.session_id, missing, st.other?.session_id].filter(Boolean).map((session_id) => ({ session_id }));
    const r = await c.req('DELETE', '/sessions', '/sessions', { token: T1, json: { sessions: refs } });
    if (!c.status(r, 200)) return;
    const b = r.json;
    c.ok(b.sessions?.length === 1 && b.sessions[0].session_id === st.s2?.session_id && b.sessions[0].status === 'deleted', `deleted ${short(b.sessions)}`);
    c.ok((b.errors ?? []).some((e) => e.name === 'sessions[1].session_id'), `errors ${short(b.errors)}`);
    if (st.other) c.ok((b.errors ?? []).some((e) => e.name === 'sessions[2].session_id'), `another caller's session was not refused: ${short(b.errors)}`);
    if (st.other) {
      const g = await c.req('GET', '/sessions/{session_id}', `/sessions/${st.other.session_id}`, { token: T2 });
      if (c.status(g, 200)) c.ok(g.json.status !== 'deleted', 'AS64501 deleted AS64502\'s session');
    }
  });

  await R('DELETE /sessions batch with bad bodies is 400/413/415', async (c) => {
    for (const body of ['{', '{}', '{"sessions": []}', '{"sessions": [{"session_id": "x"}]}', '[]', '{"sessions": [{"id": "x"}]}']) {
      const r = await c.req('DELETE', '/sessions', '/sessions', { token: T1, body, contentType: 'application/json' });
      c.ok(r.status === 400 || (r.status === 200 && body.includes('"x"')), `${body}: expected 400, got ${r.status} ${short(r.text, 160)}`);
    }
    const many = { sessions: Array.from({ length: 101 }, () => ({ session_id: randomUUID() })) };
    const r = await c.req('DELETE', '/sessions', '/sessions', { token: T1, json: many });
    if (c.status(r, 413)) c.hasError(r, 'too_many_items');
    const r2 = await c.req('DELETE', '/sessions', '/sessions', { token: T1, body: '{"sessions": []}', contentType: 'text/plain' });
    c.status(r2, 415);
    const r3 = await c.req('DELETE', '/sessions', '/sessions', { json: { sessions: [{ session_id: randomUUID() }] } });
    c.status(r3, 401);
  });

  // ---- routing
  await R('unknown paths are 404', async (c) => {
    for (const p of ['/nope', '/sessions/x/y', '/locations/1', '/v1/sessions']) {
      const r = await c.req('GET', null, p, { token: T1 });
      c.ok(r.status === 404, `${p}: expected 404, got ${r.status}`);
    }
  });

  await R('wrong methods are 405 with Allow', async (c) => {
    const cases = [
      ['PUT', '/sessions', '/sessions'],
      ['PATCH', '/sessions', '/sessions'],
      ['POST', '/locations', '/locations?asn=64500'],
      ['DELETE', '/locations', '/locations'],
      ['POST', '/sessions/{session_id}', `/sessions/${st.s3?.session_id ?? randomUUID()}`],
      ['PUT', '/sessions/{session_id}', `/sessions/${st.s3?.session_id ?? randomUUID()}`],
      ['POST', '/healthz', '/healthz'],
      ['DELETE', '/readyz', '/readyz'],
      ['POST', '/openapi.yaml', '/openapi.yaml'],
    ];
    for (const [method, template, target] of cases) {
      const r = await c.req(method, template, target, { token: T1 });
      if (!c.ok(r.status === 405, `${method} ${target}: expected 405, got ${r.status}`)) continue;
      const allow = (r.headers.get('allow') ?? '').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean).sort();
      const documented = contract.documentedMethods(template).sort();
      c.ok(JSON.stringify(allow) === JSON.stringify(documented), `${method} ${target}: Allow ${allow.join(', ')} != documented ${documented.join(', ')}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const docFile = path.join(args.source, 'src', 'api', 'openapi.yaml');
  const repoDocument = fs.readFileSync(docFile);

  // a. The document itself.
  const docProblems = await validateDocument(docFile);
  report('src/api/openapi.yaml is valid OpenAPI 3.1', docProblems);
  let contract;
  try {
    contract = new Contract(YAML.parse(repoDocument.toString('utf8')));
    report('every $ref resolves and every schema compiles (Ajv, JSON Schema 2020-12, strict)', contract.selfCheck());
  } catch (e) {
    report('every $ref resolves and every schema compiles (Ajv, JSON Schema 2020-12, strict)', [String(e?.message ?? e)]);
    return finish();
  }
  if (docProblems.length) return finish();

  // b, c. The server.
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peerapi-contract-'));
  try {
    const config = writeConfig(tmpDir, args.source);
    let port;
    const startProblems = [];
    try {
      port = await startServer(args.binary, config);
    } catch (e) {
      startProblems.push(String(e.message ?? e), ...serverLog.slice(-30).map((l) => `log: ${l}`));
    }
    report('peerapi serve starts and prints its listening address', startProblems);
    if (startProblems.length) return finish();
    baseUrl = `http://127.0.0.1:${port}`;

    const readyProblems = [];
    const deadline = Date.now() + 20000;
    let last = 'no answer';
    for (;;) {
      try {
        const r = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
        await r.arrayBuffer();
        if (r.status === 200) break;
        last = `status ${r.status}`;
      } catch (e) {
        last = e.cause?.code ?? e.message;
      }
      if (Date.now() > deadline || child.exitCode !== null) {
        readyProblems.push(`GET /readyz not 200 within 20 s (${last})`, ...serverLog.slice(-30).map((l) => `log: ${l}`));
        break;
      }
      await sleep(200);
    }
    report('GET /readyz becomes 200', readyProblems);
    if (readyProblems.length) return finish();

    // d. Every endpoint.
    await serverCases(contract, repoDocument);

    const alive = child.exitCode === null && child.signalCode === null;
    report('the server is still running after every case', alive ? [] : [`exited (code ${child.exitCode}, signal ${child.signalCode})`, ...serverLog.slice(-30).map((l) => `log: ${l}`)]);
    return finish();
  } finally {
    await stopServer();
    if (!args.keep) fs.rmSync(tmpDir, { recursive: true, force: true });
    else console.log(`kept ${tmpDir}`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e?.stack ?? e);
    report('contract test ran to completion', [String(e?.message ?? e)]);
    finish();
    process.exitCode = 1;
  }
);
