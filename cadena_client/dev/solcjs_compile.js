// Compiles a Solidity Standard JSON input (stdin) with the npm `solc` package, resolving imports
// from the project root given as the first argument (remappings point into node_modules).
const fs = require("fs");
const path = require("path");

const root = process.argv[2];
const solc = require(require.resolve("solc", { paths: [root] }));

function findImports(importPath) {
  const file = path.resolve(root, importPath);
  if (!file.startsWith(path.resolve(root) + path.sep) || !fs.existsSync(file)) {
    return { error: `File not found: ${importPath}` };
  }
  return { contents: fs.readFileSync(file, "utf8") };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
