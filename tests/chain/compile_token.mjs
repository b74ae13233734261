// Compile Token.sol with solc (npm, pinned) and print the creation bytecode as hex.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');
const source = readFileSync(new URL('./Token.sol', import.meta.url), 'utf8');
const input = {
  language: 'Solidity',
  sources: { 'Token.sol': { content: source } },
  settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const hex = out.contracts['Token.sol'].TestToken.evm.bytecode.object;
if (!/^[0-9a-f]+$/.test(hex) || hex.length < 100) {
  console.error('compile_token: no bytecode');
  process.exit(1);
}
process.stdout.write(hex + '\n');
