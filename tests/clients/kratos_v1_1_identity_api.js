// The official npm SDK @ory/kratos-client@1.1.0 (axios IdentityApi and MetadataApi, generated from the
// Kratos v1.1.0 spec like the Rust crate of seed 000) against the mock serving Kratos v1.1
// (--api v1.1) with its default fixtures (the quickstart schema "default").
//
// Usage: node kratos_v1_1_identity_api.js <server url> <seed JSON>
// with NODE_PATH pointing at the node_modules that holds @ory/kratos-client. The seed JSON names what
// the test loaded: {"identity": id, "sessions": [id, id], "inactive_session": id, "mfa_identity": id}.
// Every IdentityApi operation is called and its result asserted; the last line printed is
// "OK <n> operations". Any failure exits with status 1.
"use strict";

const assert = require("assert/strict");
const { Configuration, IdentityApi, MetadataApi } = require("@ory/kratos-client");

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const PATCH_ID = "6f1c7b3e-1d2a-4c1b-9e5f-0a1b2c3d4e5f";
const SCHEMA = "default";

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
    assert.ok(typeof error.message === "string" && error.message.length > 0);
    return error;
  }
  assert.fail(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.data)}`);
}

function links(header) {
  const out = {};
  for (const part of (header || "").split(",")) {
    const match = /<([^>]+)>;\s*rel="(\w+)"/.exec(part);
    if (match) {
      out[match[2]] = new URL(match[1], "http://relative.invalid").searchParams;
    }
  }
  return out;
}

const byId = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

async function main(url, seed) {
  const config = new Configuration({ basePath: url });
  const api = new IdentityApi(config);
  const meta = new MetadataApi(config);

  step("getVersion");
  assert.ok((await meta.getVersion()).data.version);
  step("isAlive");
  assert.deepEqual((await meta.isAlive()).data, { status: "ok" });
  step("isReady");
  assert.deepEqual((await meta.isReady()).data, { status: "ok" });

  const ada = await identities(api, url, seed);
  await batches(api);
  await recovery(api, ada);
  await schemas(api, ada);
  await sessions(api, seed);
  await credentials(api, ada, seed.mfa_identity);

  step("deleteIdentity");
  assert.equal((await api.deleteIdentity({ id: ada.id })).status, 204);
  step("getIdentity (deleted)");
  await expectStatus(404, api.getIdentity({ id: ada.id }));
  step("deleteIdentity (404)");
  await expectStatus(404, api.deleteIdentity({ id: ada.id }));
  console.log(`OK ${calls} operations`);
}

async function identities(api, url, seed) {
  step("createIdentity");
  let res = await api.createIdentity({
    createIdentityBody: {
      schema_id: SCHEMA,
      traits: { email: "Ada@Example.com", name: { first: "Ada", last: "Lovelace" } },
      metadata_public: { plan: "pro" },
      metadata_admin: { note: "imported" },
      credentials: { password: { config: { password: "correct horse battery staple" } } },
    },
  });
  assert.equal(res.status, 201);
  const ada = res.data;
  assert.equal(res.headers.location, `${url}/identities/${ada.id}`);
  assert.equal(ada.schema_url, `${url}/schemas/ZGVmYXVsdA`);
  assert.equal(ada.state, "active");
  assert.deepEqual(Object.keys(ada.credentials), ["password"]);  // the quickstart schema: no code identifier
  assert.deepEqual(ada.credentials.password.identifiers, ["ada@example.com"]);
  assert.equal(ada.organization_id, null);  // v1.1 has organizations (always null here), no external_id
  assert.ok(!("external_id" in ada));
  assert.deepEqual(ada.verifiable_addresses.map((a) => [a.value, a.status]), [["ada@example.com", "pending"]]);

  step("createIdentity (409: v1.1's worded conflict)");
  let error = await expectStatus(409, api.createIdentity({
    createIdentityBody: { schema_id: SCHEMA, traits: { email: "ada@example.com" } },
  }));
  assert.equal(error.reason, "This identity conflicts with another identity that already exists.");
  step("createIdentity (400: v1.1 has no external_id)");
  error = await expectStatus(400, api.createIdentity({
    createIdentityBody: { schema_id: SCHEMA, traits: { email: "x@example.com" }, external_id: "x" },
  }));
  assert.equal(error.message, 'json: unknown field "external_id"');

  step("getIdentity");
  res = await api.getIdentity({ id: ada.id });
  assert.ok(!("config" in res.data.credentials.password));
  step("getIdentity (includeCredential: password, code)");
  res = await api.getIdentity({ id: ada.id, includeCredential: ["password", "code"] });
  assert.ok(res.data.credentials.password.config.hashed_password.startsWith("$"));
  step("getIdentity (404)");
  await expectStatus(404, api.getIdentity({ id: UNKNOWN_ID }));

  const users = [];
  for (let n = 0; n < 4; n += 1) {
    step(`createIdentity #${n}`);
    res = await api.createIdentity({ createIdentityBody: { schema_id: SCHEMA, traits: { email: `user${n}@example.com` } } });
    users.push(res.data.id);
  }
  const everyone = [seed.identity, seed.mfa_identity, ada.id, ...users].sort(byId);

  // --- list: keyset by default, ids ascending, the token is the last id -------------------------
  step("listIdentities");
  res = await api.listIdentities();
  assert.deepEqual(res.data.map((i) => i.id), everyone);
  assert.ok(!("x-total-count" in res.headers));
  assert.ok(res.data.every((i) => !("credentials" in i)));
  let token;
  const seen = [];
  do {
    step(`listIdentities (pageSize=3${token ? ", pageToken" : ""})`);
    res = await api.listIdentities({ pageSize: 3, pageToken: token });
    seen.push(...res.data.map((i) => i.id));
    const rels = links(res.headers.link);
    assert.equal(rels.first.get("page_token"), "00000000-0000-0000-0000-000000000000");
    token = rels.next ? rels.next.get("page_token") : undefined;
    if (token) assert.equal(token, res.data[res.data.length - 1].id);
  } while (token);
  assert.deepEqual(seen, everyone);
  step("listIdentities (perPage alone: keyset of that size)");
  res = await api.listIdentities({ perPage: 2 });
  assert.deepEqual(res.data.map((i) => i.id), everyone.slice(0, 2));
  assert.equal(links(res.headers.link).next.get("page_size"), "2");
  step("listIdentities (page=1, perPage=2: offset pages, 0-based)");
  res = await api.listIdentities({ page: 1, perPage: 2 });
  assert.deepEqual(res.data.map((i) => i.id), everyone.slice(2, 4));
  assert.equal(res.headers["x-total-count"], "7");
  assert.deepEqual(Object.fromEntries(Object.entries(links(res.headers.link)).map(([r, q]) => [r, q.get("page")])),
    { first: "0", next: "2", prev: "0", last: "3" });
  step("listIdentities (page*perPage over 1000: 400)");
  error = await expectStatus(400, api.listIdentities({ page: 3, perPage: 500 }));
  assert.match(error.reason, /^Legacy pagination is not supported for enumerating over 1000 items/);
  step("listIdentities (ids)");
  res = await api.listIdentities({ ids: [users[1], users[0], UNKNOWN_ID] });
  assert.deepEqual(res.data.map((i) => i.id), [users[0], users[1]].sort(byId));
  step("listIdentities (credentialsIdentifier)");
  res = await api.listIdentities({ credentialsIdentifier: "ADA@example.com" });
  assert.deepEqual(res.data.map((i) => i.id), [ada.id]);
  assert.deepEqual(res.data[0].credentials.password.identifiers, ["ada@example.com"]);
  step("listIdentities (previewCredentialsIdentifierSimilar)");
  res = await api.listIdentities({ previewCredentialsIdentifierSimilar: "user" });
  assert.deepEqual(res.data.map((i) => i.id), [...users].sort(byId));
  step("listIdentities (both identifier filters: 400)");
  error = await expectStatus(400, api.listIdentities({ credentialsIdentifier: "a", previewCredentialsIdentifierSimilar: "a" }));
  assert.equal(error.reason, "Cannot pass both credentials_identifier and preview_credentials_identifier_similar.");

  // --- update / patch -------------------------------------------------------------------------
  step("updateIdentity");
  res = await api.updateIdentity({
    id: ada.id,
    updateIdentityBody: { schema_id: SCHEMA, state: "inactive", traits: { email: "ada@example.org" }, metadata_public: { plan: "free" } },
  });
  assert.equal(res.data.state, "inactive");
  assert.deepEqual(res.data.credentials.password.identifiers, ["ada@example.org"]);
  step("updateIdentity (404)");
  await expectStatus(404, api.updateIdentity({
    id: UNKNOWN_ID, updateIdentityBody: { schema_id: SCHEMA, state: "active", traits: { email: "x@example.org" } },
  }));
  step("patchIdentity");
  res = await api.patchIdentity({
    id: ada.id,
    jsonPatch: [
      { op: "replace", path: "/state", value: "active" },
      { op: "add", path: "/traits/name", value: { first: "Augusta" } },
      { op: "add", path: "/credentials/password/config/hashed_password", value: "$2a$10$x" },
    ],
  });
  assert.equal(res.data.state, "active");
  assert.deepEqual(res.data.traits, { email: "ada@example.org", name: { first: "Augusta" } });
  step("getIdentity (v1.1 patches without credentials: the hash is untouched)");
  res = await api.getIdentity({ id: ada.id, includeCredential: ["password"] });
  assert.notEqual(res.data.credentials.password.config.hashed_password, "$2a$10$x");
  step("patchIdentity (400: /id is denied)");
  error = await expectStatus(400, api.patchIdentity({ id: ada.id, jsonPatch: [{ op: "replace", path: "/id", value: UNKNOWN_ID }] }));
  assert.equal(error.message, "patch includes denied path: /id");
  return ada;
}

async function batches(api) {
  const create = (email) => ({ schema_id: SCHEMA, traits: { email } });
  step("batchPatchIdentities");
  let res = await api.batchPatchIdentities({
    patchIdentitiesBody: { identities: [{ patch_id: PATCH_ID, create: create("grace@example.com") }, {}] },
  });
  const [created, empty] = res.data.identities;
  assert.deepEqual([created.action, created.patch_id], ["create", PATCH_ID]);
  assert.equal(empty, null);  // an entry without create keeps its slot, unset
  step("batchPatchIdentities (409: one conflict fails the whole batch)");
  let error = await expectStatus(409, api.batchPatchIdentities({
    patchIdentitiesBody: { identities: [{ create: create("hopper@example.com") }, { create: create("grace@example.com") }] },
  }));
  assert.equal(error.message, "Unable to insert or update resource because a resource with that value exists already");
  step("batchPatchIdentities (409: a conflict inside the batch)");
  await expectStatus(409, api.batchPatchIdentities({
    patchIdentitiesBody: { identities: [{ create: create("hopper@example.com") }, { create: create("HOPPER@example.com") }] },
  }));
  step("batchPatchIdentities (400: one invalid entry fails the whole batch)");
  error = await expectStatus(400, api.batchPatchIdentities({
    patchIdentitiesBody: { identities: [{ create: create("hopper@example.com") }, { create: { schema_id: SCHEMA, traits: {} } }] },
  }));
  step("listIdentities (credentialsIdentifier: the failed batches created nothing)");
  res = await api.listIdentities({ credentialsIdentifier: "hopper@example.com" });
  assert.deepEqual(res.data, []);
}

async function recovery(api, ada) {
  step("createRecoveryCodeForIdentity");
  let res = await api.createRecoveryCodeForIdentity({ createRecoveryCodeForIdentityBody: { identity_id: ada.id, expires_in: "1h" } });
  assert.equal(res.status, 201);
  assert.match(res.data.recovery_code, /^\d{6}$/);
  step("createRecoveryCodeForIdentity (404: unknown identity)");
  let error = await expectStatus(404, api.createRecoveryCodeForIdentity({ createRecoveryCodeForIdentityBody: { identity_id: UNKNOWN_ID } }));
  assert.equal(error.reason, "could not find identity");
  step("createRecoveryLinkForIdentity");
  res = await api.createRecoveryLinkForIdentity({
    returnTo: "https://app.example.com/", createRecoveryLinkForIdentityBody: { identity_id: ada.id, expires_in: "90m" },
  });
  assert.equal(res.status, 200);
  assert.deepEqual([...new URL(res.data.recovery_link).searchParams.keys()].sort(), ["flow", "token"]);
  step("createRecoveryLinkForIdentity (400: unknown identity)");
  error = await expectStatus(400, api.createRecoveryLinkForIdentity({ createRecoveryLinkForIdentityBody: { identity_id: UNKNOWN_ID } }));
  assert.equal(error.reason, "The requested identity id does not exist.");
}

async function schemas(api, ada) {
  step("listIdentitySchemas");
  let res = await api.listIdentitySchemas();
  assert.deepEqual(res.data.map((s) => s.id), [SCHEMA]);
  assert.equal(res.headers["x-total-count"], "1");
  const document = res.data[0].schema;
  assert.deepEqual(document.properties.traits.required, ["email"]);
  step("listIdentitySchemas (pageSize=1, page_token of offset 1: past the end, null)");
  const next = Buffer.from('{"offset":"1","v":2}').toString("base64url");
  res = await api.listIdentitySchemas({ pageSize: 1, pageToken: next });
  assert.equal(res.data, null);
  step("getIdentitySchema (raw id)");
  assert.deepEqual((await api.getIdentitySchema({ id: SCHEMA })).data, document);
  step("getIdentitySchema (schema_url's id)");
  assert.deepEqual((await api.getIdentitySchema({ id: ada.schema_url.split("/").pop() })).data, document);
  step("getIdentitySchema (404)");
  await expectStatus(404, api.getIdentitySchema({ id: "no-such-schema" }));
}

async function sessions(api, seed) {
  const owner = seed.identity;
  const active = [...seed.sessions].sort(byId);
  const everything = [...active, seed.inactive_session].sort(byId);  // one instant: created_at ties, ids ascending
  step("listSessions");
  let res = await api.listSessions();
  assert.deepEqual(res.data.map((s) => s.id), everything);
  assert.equal(res.headers["x-total-count"], "3");
  assert.ok(res.data.every((s) => s.identity === null && s.devices === null));
  step("listSessions (expand=identity)");
  res = await api.listSessions({ expand: "identity" });
  assert.ok(res.data.every((s) => s.identity.id === owner && !("metadata_admin" in s.identity)));
  step("listSessions (active, pageSize=1)");
  res = await api.listSessions({ active: true, pageSize: 1 });
  assert.deepEqual([res.data.map((s) => s.id), res.headers["x-total-count"]], [active.slice(0, 1), "2"]);
  step("listSessions (pageToken)");
  res = await api.listSessions({ active: true, pageSize: 1, pageToken: links(res.headers.link).next.get("page_token") });
  assert.deepEqual(res.data.map((s) => s.id), active.slice(1));
  step("getSession (expand=identity)");
  res = await api.getSession({ id: active[0], expand: ["identity"] });
  assert.deepEqual([res.data.id, res.data.active, res.data.identity.id], [active[0], true, owner]);
  step("getSession (404)");
  await expectStatus(404, api.getSession({ id: UNKNOWN_ID }));
  step("listIdentitySessions (perPage=10, page=1: pop's pages start at 1)");
  res = await api.listIdentitySessions({ id: owner, perPage: 10, page: 1 });
  assert.deepEqual([res.data.map((s) => s.id).sort(byId), res.headers["x-total-count"]], [everything, "3"]);
  assert.ok(res.data.every((s) => s.identity.id === owner));
  step("listIdentitySessions (active=false)");
  res = await api.listIdentitySessions({ id: owner, active: false });
  assert.deepEqual(res.data.map((s) => s.id), [seed.inactive_session]);
  step("extendSession (200: the session as loaded, without identity)");
  res = await api.extendSession({ id: active[0] });
  assert.deepEqual([res.status, res.data.id, res.data.identity, res.data.devices], [200, active[0], null, []]);
  step("disableSession");
  assert.equal((await api.disableSession({ id: active[0] })).status, 204);
  assert.equal((await api.getSession({ id: active[0] })).data.active, false);
  step("deleteIdentitySessions");
  assert.equal((await api.deleteIdentitySessions({ id: owner })).status, 204);
  step("deleteIdentitySessions (404: none left)");
  await expectStatus(404, api.deleteIdentitySessions({ id: owner }));
}

async function credentials(api, ada, mfa) {
  step("deleteIdentityCredentials (400: a first factor)");
  let error = await expectStatus(400, api.deleteIdentityCredentials({ id: ada.id, type: "password" }));
  assert.equal(error.reason, "You can't remove first factor credentials.");
  step("deleteIdentityCredentials (404: no totp)");
  error = await expectStatus(404, api.deleteIdentityCredentials({ id: ada.id, type: "totp" }));
  assert.equal(error.reason, "You tried to remove a totp but this user have no totp set up.");
  for (const type of ["totp", "lookup_secret", "webauthn"]) {
    step(`deleteIdentityCredentials (${type})`);
    assert.equal((await api.deleteIdentityCredentials({ id: mfa, type })).status, 204);
  }
  step("getIdentity (the passwordless webauthn key stays)");
  const res = await api.getIdentity({ id: mfa, includeCredential: ["webauthn"] });
  assert.deepEqual(Object.keys(res.data.credentials).sort(), ["password", "webauthn"]);
  assert.deepEqual(res.data.credentials.webauthn.config.credentials.map((k) => k.id), ["passwordless"]);
}

main(process.argv[2], JSON.parse(process.argv[3])).catch((err) => {
  console.error(err && err.response ? `${err.message}: ${JSON.stringify(err.response.data)}` : err);
  process.exit(1);
});
