// The official npm SDK @ory/kratos-client@0.6.3-alpha.1 (the legacy axios-based AdminApi) against
// the mock serving the v0.6 API generation.
//
// Usage: node kratos_v06_admin_api.js <server url> <seed JSON>
// with NODE_PATH pointing at the node_modules that holds @ory/kratos-client. The seed JSON names the
// flows and errors the test loaded: {"flows": {"login": id, ...}, "expired_recovery": id, "error": id}.
// Every AdminApi operation is called and its result asserted; the last line printed is
// "OK <n> operations". Any failure exits with status 1.
"use strict";

const assert = require("assert/strict");
const { AdminApi, Configuration } = require("@ory/kratos-client");

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const LEGACY_KEYS = ["id", "schema_id", "schema_url", "traits", "verifiable_addresses", "recovery_addresses",
  "created_at", "updated_at"];

let calls = 0;

function step(name) {
  calls += 1;
  console.log(`${String(calls).padStart(3)} ${name}`);
}

// The call must fail with this HTTP status and the Kratos error envelope; returns the error object.
async function expectStatus(status, promise) {
  let response;
  try {
    response = await promise;
  } catch (err) {
    assert.ok(err.response, `no HTTP response: ${err}`);
    assert.equal(err.response.status, status, JSON.stringify(err.response.data));
    const error = err.response.data.error;
    assert.equal(error.code, status);
    assert.equal(typeof error.message, "string");
    assert.ok(error.message.length > 0);
    return error;
  }
  assert.fail(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.data)}`);
}

function links(header) {
  const out = {};
  for (const part of (header || "").split(",")) {
    const match = /<([^>]+)>;\s*rel="(\w+)"/.exec(part);
    if (match) {
      const url = new URL(match[1]);
      out[match[2]] = { page: url.searchParams.get("page"), per_page: url.searchParams.get("per_page"), url };
    }
  }
  return out;
}

function assertLegacyIdentity(identity, url) {
  for (const key of Object.keys(identity)) {
    assert.ok(LEGACY_KEYS.includes(key), `unexpected key ${key} in ${JSON.stringify(identity)}`);
  }
  assert.equal(identity.schema_url, `${url}/schemas/${identity.schema_id}`);  // raw schema id, not base64
}

async function main(url, seed) {
  const api = new AdminApi(new Configuration({ basePath: url }));

  // --- metadata --------------------------------------------------------------------------------
  step("getVersion");
  let res = await api.getVersion();
  assert.equal(res.status, 200);
  assert.match(res.data.version, /^\d+\.\d+/);

  step("isAlive");
  res = await api.isAlive();
  assert.deepEqual([res.status, res.data], [200, { status: "ok" }]);

  step("isReady");
  res = await api.isReady();
  assert.deepEqual([res.status, res.data], [200, { status: "ok" }]);

  // --- identities ------------------------------------------------------------------------------
  step("createIdentity");
  res = await api.createIdentity({ schema_id: "default", traits: { email: "Ada@Example.com" } });
  assert.equal(res.status, 201);
  const ada = res.data;
  assert.equal(res.headers.location, `${url}/identities/${ada.id}`);
  assertLegacyIdentity(ada, url);
  assert.equal(ada.schema_id, "default");
  assert.deepEqual(ada.traits, { email: "Ada@Example.com" });
  assert.equal(ada.created_at, ada.updated_at);
  assert.deepEqual(
    ada.verifiable_addresses.map((a) => [a.value, a.via, a.verified, a.status]),
    [["ada@example.com", "email", false, "pending"]],
  );
  assert.deepEqual(ada.recovery_addresses.map((a) => [a.value, a.via]), [["ada@example.com", "email"]]);

  step("createIdentity (409: identifier taken)");
  await expectStatus(409, api.createIdentity({ schema_id: "default", traits: { email: "ada@example.com" } }));

  step("createIdentity (400: v0.6 bodies are strict)");
  const strict = await expectStatus(400, api.createIdentity({ schema_id: "default", traits: {}, state: "active" }));
  assert.match(strict.message, /unknown field "state"/);

  step("createIdentity (400: traits fail the schema)");
  await expectStatus(400, api.createIdentity({ schema_id: "default", traits: { name: {} } }));

  step("getIdentity");
  res = await api.getIdentity(ada.id);
  assert.equal(res.status, 200);
  assert.deepEqual(res.data, ada);

  step("getIdentity (404)");
  await expectStatus(404, api.getIdentity(UNKNOWN_ID));

  const ids = [ada.id];
  for (let n = 0; n < 4; n += 1) {
    step(`createIdentity #${n}`);
    res = await api.createIdentity({ schema_id: "default", traits: { email: `user${n}@example.com` } });
    ids.push(res.data.id);
  }
  const descending = [...ids].sort().reverse();  // v0.6 lists by id, descending

  step("listIdentities");
  res = await api.listIdentities();
  assert.equal(res.status, 200);
  assert.deepEqual(res.data.map((i) => i.id), descending);
  res.data.forEach((i) => assertLegacyIdentity(i, url));

  step("listIdentities (perPage=2, page=0)");
  const first = await api.listIdentities(2, 0);
  assert.deepEqual(first.data.map((i) => i.id), descending.slice(0, 2));
  assert.equal(first.headers["x-total-count"], undefined);  // v0.6 sends no total

  step("listIdentities (perPage=2, page=1: the same first page)");
  res = await api.listIdentities(2, 1);
  assert.deepEqual(res.data, first.data);
  const rels = links(res.headers.link);
  assert.deepEqual(
    Object.fromEntries(Object.entries(rels).map(([rel, l]) => [rel, [l.page, l.per_page]])),
    { first: ["0", "2"], next: ["2", "2"], prev: ["0", "2"], last: ["2", "2"] },
  );
  assert.equal(`${rels.next.url.origin}${rels.next.url.pathname}`, `${url}/identities`);

  step("listIdentities (perPage=2, page=2)");
  res = await api.listIdentities(2, 2);
  assert.deepEqual(res.data.map((i) => i.id), descending.slice(2, 4));

  step("listIdentities (perPage=2, page=3)");
  res = await api.listIdentities(2, 3);
  assert.deepEqual(res.data.map((i) => i.id), descending.slice(4));

  step("updateIdentity");
  res = await api.updateIdentity(ada.id, { schema_id: "default", traits: { email: "ada@example.org" } });
  assert.equal(res.status, 200);
  assertLegacyIdentity(res.data, url);
  assert.equal(res.data.id, ada.id);
  assert.deepEqual(res.data.traits, { email: "ada@example.org" });
  assert.deepEqual(res.data.recovery_addresses.map((a) => a.value), ["ada@example.org"]);

  step("updateIdentity (traits only: the schema is kept)");
  res = await api.updateIdentity(ada.id, { traits: { email: "ada@example.org", name: { first: "Ada" } } });
  assert.equal(res.data.schema_id, "default");
  assert.deepEqual(res.data.traits.name, { first: "Ada" });

  step("updateIdentity (404)");
  await expectStatus(404, api.updateIdentity(UNKNOWN_ID, { schema_id: "default", traits: { email: "x@example.com" } }));

  // --- recovery --------------------------------------------------------------------------------
  step("createRecoveryLink");
  res = await api.createRecoveryLink({ identity_id: ada.id, expires_in: "1h" });
  assert.equal(res.status, 200);
  const link = new URL(res.data.recovery_link);
  assert.equal(`${link.origin}${link.pathname}`, `${url}/self-service/recovery`);
  assert.ok(link.searchParams.get("flow") && link.searchParams.get("token"), res.data.recovery_link);
  assert.equal(res.data.expires_at, "2026-01-01T01:00:00Z");  // the seeded clock + 1h

  step("createRecoveryLink (404: unknown identity)");
  await expectStatus(404, api.createRecoveryLink({ identity_id: UNKNOWN_ID }));

  // --- schemas ---------------------------------------------------------------------------------
  step("getSchema");
  res = await api.getSchema("default");
  assert.equal(res.status, 200);
  assert.ok(res.data.properties.traits.properties.email, JSON.stringify(res.data));

  step("getSchema (404)");
  await expectStatus(404, api.getSchema("no-such-schema"));

  // --- self-service errors and flows -----------------------------------------------------------
  step("getSelfServiceError (stub:500)");
  res = await api.getSelfServiceError("stub:500");
  assert.equal(res.status, 200);
  assert.equal(res.data.id, "stub:500");
  assert.equal(res.data.errors[0].code, 500);

  step("getSelfServiceError (seeded)");
  res = await api.getSelfServiceError(seed.error);
  assert.equal(res.data.id, seed.error);
  assert.deepEqual(res.data.errors, [{ code: 400, message: "x" }]);
  assert.ok(res.data.created_at && res.data.updated_at);

  step("getSelfServiceError (404)");
  await expectStatus(404, api.getSelfServiceError("no-such-error"));

  const getters = {
    login: (id) => api.getSelfServiceLoginFlow(id),
    registration: (id) => api.getSelfServiceRegistrationFlow(id),
    recovery: (id) => api.getSelfServiceRecoveryFlow(id),
    settings: (id) => api.getSelfServiceSettingsFlow(id),
    verification: (id) => api.getSelfServiceVerificationFlow(id),
  };
  for (const [kind, get] of Object.entries(getters)) {
    const id = seed.flows[kind];
    step(`getSelfService${kind[0].toUpperCase()}${kind.slice(1)}Flow`);
    res = await get(id);
    assert.equal(res.status, 200);
    assert.equal(res.data.id, id);
    assert.equal(res.data.expires_at, "2026-01-01T01:00:00Z");
    assert.equal(res.data.ui.action, `${url}/self-service/${kind}?flow=${id}`);
    step(`getSelfService${kind[0].toUpperCase()}${kind.slice(1)}Flow (404)`);
    await expectStatus(404, get(UNKNOWN_ID));
  }

  step("getSelfServiceSettingsFlow (with X-Session-Token)");
  res = await api.getSelfServiceSettingsFlow(seed.flows.settings, "a-session-token");
  assert.equal(res.data.id, seed.flows.settings);

  step("getSelfServiceLoginFlow (404: a flow of another kind)");
  await expectStatus(404, api.getSelfServiceLoginFlow(seed.flows.registration));

  step("getSelfServiceRecoveryFlow (410: expired)");
  const gone = await expectStatus(410, api.getSelfServiceRecoveryFlow(seed.expired_recovery));
  assert.equal(gone.details.redirect_to, `${url}/self-service/recovery/browser`);

  // --- delete ----------------------------------------------------------------------------------
  step("deleteIdentity");
  res = await api.deleteIdentity(ada.id);
  assert.equal(res.status, 204);
  assert.equal(res.data, "");

  step("deleteIdentity (404)");
  await expectStatus(404, api.deleteIdentity(ada.id));

  step("getIdentity (deleted)");
  await expectStatus(404, api.getIdentity(ada.id));

  // --- metrics last, so it has counted the calls above -----------------------------------------
  step("prometheus");
  res = await api.prometheus();
  assert.equal(res.status, 200);
  assert.match(res.headers["content-type"], /^text\/plain/);
  assert.match(res.data, /^http_requests_total\{code="201",method="POST",operation="createIdentity"\} 5\.0$/m);

  console.log(`OK ${calls} operations`);
}

main(process.argv[2], JSON.parse(process.argv[3])).catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  if (err && err.response) {
    console.error(`HTTP ${err.response.status} ${JSON.stringify(err.response.data)}`);
  }
  process.exit(1);
});
