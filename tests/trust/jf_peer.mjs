// Evaluate json-formula cases with @adobe/json-formula (the differential oracle).
// stdin: JSON list of {expression, data, globals?, register?}; stdout: JSON list of
// {value, mutated} or {error: <error name>} in the same order; mutated says the
// library changed the input data while evaluating (then the case is not comparable).
// The package is found through NODE_PATH-style lookup from the directory in
// argv[2] (a folder holding node_modules/@adobe/json-formula).
import { createRequire } from 'module';
import path from 'path';
import fs from 'fs';
import { pathToFileURL } from 'url';

const root = process.argv[2];
const pkgDir = path.join(root, 'node_modules', '@adobe', 'json-formula');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf-8'));
const mod = await import(pathToFileURL(path.join(pkgDir, pkg.main)).href);
const JsonFormula = mod.default;

const cases = JSON.parse(fs.readFileSync(0, 'utf-8'));
const out = cases.map((c) => {
  const engine = new JsonFormula();
  try {
    // Profile expressions first become functions, as the profile evaluator registers them.
    for (const [name, body] of Object.entries(c.register || {})) {
      engine.search(`register("${name}", &${body})`, {}, c.globals || {});
    }
    const before = JSON.stringify(c.data);
    const value = engine.search(c.expression, c.data, c.globals || {});
    const text = JSON.stringify(value === undefined ? null : value);
    // The library pads arrays in place for array operands; such a run read altered data.
    const mutated = JSON.stringify(c.data) !== before;
    return { value: JSON.parse(text === undefined ? 'null' : text), mutated };
  } catch (e) {
    return { error: e.name || 'Error', message: String(e.message).slice(0, 200) };
  }
});
process.stdout.write(JSON.stringify(out));
