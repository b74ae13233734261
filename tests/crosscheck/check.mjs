// Cross-check of libw3wallet's crypto layer against independent libraries.
//
//   node check.mjs SAMPLES.json REVERSE.json
//
// SAMPLES.json is what sign_samples printed. Every derived address,
// transaction, signature, seed and digest in it is re-derived or verified
// with ethers (secp256k1, RLP, EIP-55, BIP-32/39) and noble (Ed25519,
// SLIP-10 over HMAC-SHA512, Keccak) and scure (base58). Then ethers and noble
// sign fresh messages and transactions with random keys and write them to
// REVERSE.json for `sign_samples verify` to check in C.
// Exit status 1 on any mismatch.
import { readFileSync, writeFileSync } from 'node:fs';
import { ethers } from 'ethers';
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes, concatBytes } from '@noble/hashes/utils.js';
import { base58 } from '@scure/base';

const [samplesPath, reversePath] = process.argv.slice(2);
if (!samplesPath || !reversePath) {
  console.error('usage: node check.mjs SAMPLES.json REVERSE.json');
  process.exit(2);
}
const samples = JSON.parse(readFileSync(samplesPath, 'utf8'));
let passed = 0;
let failed = 0;

function expect(ok, what, detail = '') {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.error(`MISMATCH ${what}${detail ? `: ${detail}` : ''}`);
  }
}
function same(got, want, what) {
  expect(got === want, what, `got ${got}, want ${want}`);
}
const unhex = (h) => hexToBytes(h.replace(/^0x/, ''));

// ---- BIP-39 and BIP-32 (ethers) ----------------------------------------------
for (const b of samples.bip39) {
  const m = ethers.Mnemonic.fromEntropy(b.entropy, b.passphrase);
  same(m.phrase, b.mnemonic, `bip39 mnemonic of ${b.entropy}`);
  same(m.computeSeed(), b.seed, `bip39 seed of ${b.mnemonic.split(' ').length} words`);
}

const mnemonic = ethers.Mnemonic.fromPhrase(samples.mnemonic);
const evmAccounts = samples.evm.accounts;
const wallets = evmAccounts.map((a) => ethers.HDNodeWallet.fromMnemonic(mnemonic, a.path));
evmAccounts.forEach((a, i) => {
  same(wallets[i].address, a.address, `HD address ${a.path}`);
  same(ethers.computeAddress(a.pubkey), a.address, `address of pubkey ${a.path}`);
  same(ethers.getAddress(a.address.toLowerCase()), a.address, `EIP-55 text ${a.path}`);
});

// ---- transactions (ethers parses, recovers, and re-signs) ----------------------
for (const [i, t] of samples.evm.transactions.entries()) {
  const what = `tx #${i} (type ${t.type}, chain ${t.chain_id})`;
  const tx = ethers.Transaction.from(t.raw);
  same(tx.type, t.type, `${what} type`);
  same(tx.chainId, BigInt(t.chain_id), `${what} chainId`);
  same(BigInt(tx.nonce), BigInt(t.nonce), `${what} nonce`);
  same(tx.gasLimit, BigInt(t.gas_limit), `${what} gasLimit`);
  if (t.type === 0) {
    same(tx.gasPrice, BigInt(t.gas_price), `${what} gasPrice`);
  } else {
    same(tx.maxPriorityFeePerGas, BigInt(t.max_priority_fee_per_gas), `${what} maxPriorityFeePerGas`);
    same(tx.maxFeePerGas, BigInt(t.max_fee_per_gas), `${what} maxFeePerGas`);
    same(tx.accessList.length, 0, `${what} accessList`);
  }
  same(tx.to, t.to, `${what} to`);
  same(tx.value, BigInt(t.value), `${what} value`);
  same(tx.data, t.data, `${what} data`);
  same(tx.from, evmAccounts[t.from_index].address, `${what} recovered signer`);
  same(tx.hash, t.hash, `${what} hash`);
  // RFC 6979 is deterministic: ethers signing the same fields gives the same
  // bytes. (ethers keeps the nonce as a JS number: samples stay below 2^53.)
  {
    const unsigned = ethers.Transaction.from({
      type: t.type, chainId: BigInt(t.chain_id), nonce: Number(t.nonce), gasLimit: BigInt(t.gas_limit),
      to: t.to, value: BigInt(t.value), data: t.data,
      ...(t.type === 0 ? { gasPrice: BigInt(t.gas_price) }
        : { maxPriorityFeePerGas: BigInt(t.max_priority_fee_per_gas),
            maxFeePerGas: BigInt(t.max_fee_per_gas), accessList: [] }),
    });
    same(await wallets[t.from_index].signTransaction(unsigned), t.raw, `${what} ethers re-sign`);
  }
}

// ---- personal_sign ------------------------------------------------------------
for (const [i, m] of samples.evm.personal_sign.entries()) {
  const msg = ethers.getBytes(m.message);
  same(ethers.verifyMessage(msg, m.signature), evmAccounts[m.index].address, `personal_sign #${i} signer`);
  same(wallets[m.index].signMessageSync(msg), m.signature, `personal_sign #${i} ethers re-sign`);
}

// ---- Solana: SLIP-10 (noble HMAC-SHA512), Ed25519 (noble), base58 (scure) -----
function slip10(seed, path) {
  let I = hmac(sha512, new TextEncoder().encode('ed25519 seed'), seed);
  let key = I.slice(0, 32);
  let chain = I.slice(32);
  for (const part of path.split('/').slice(1)) {
    if (!part.endsWith("'")) throw new Error(`non-hardened ${path}`);
    const index = (parseInt(part, 10) + 0x80000000) >>> 0;
    const ser = new Uint8Array([index >>> 24, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff]);
    I = hmac(sha512, chain, concatBytes(new Uint8Array([0]), key, ser));
    key = I.slice(0, 32);
    chain = I.slice(32);
  }
  return key;
}
const seed = unhex(mnemonic.computeSeed());
const solKeys = samples.solana.accounts.map((a) => slip10(seed, a.path));
samples.solana.accounts.forEach((a, i) => {
  const pub = ed25519.getPublicKey(solKeys[i]);
  same(bytesToHex(pub), a.pubkey.replace(/^0x/, ''), `solana pubkey ${a.path}`);
  same(base58.encode(pub), a.address, `solana address ${a.path}`);
});
for (const [i, s] of samples.solana.signatures.entries()) {
  const msg = unhex(s.message);
  const pub = unhex(samples.solana.accounts[s.index].pubkey);
  expect(ed25519.verify(unhex(s.signature), msg, pub), `ed25519 #${i} verifies`);
  same(bytesToHex(ed25519.sign(msg, solKeys[s.index])), s.signature.replace(/^0x/, ''),
    `ed25519 #${i} noble re-sign`);
}

// ---- Keccak-256 (noble) ---------------------------------------------------------
for (const k of samples.keccak256) {
  same(`0x${bytesToHex(keccak_256(unhex(k.input)))}`, k.hash, `keccak256 of ${(k.input.length - 2) / 2} bytes`);
}

// ---- reverse direction: ethers and noble sign, the C library verifies -----------
const reverse = { evm_messages: [], evm_hashes: [], ed25519: [] };
const texts = ['', 'hello', 'Sign in to libw3wallet: nonce 7f3a', 'ünïcödé ✓', 'x'.repeat(300)];
for (const text of texts) {
  const w = ethers.Wallet.createRandom();
  const msg = ethers.toUtf8Bytes(text);
  reverse.evm_messages.push({ address: w.address, message: ethers.hexlify(msg), signature: w.signMessageSync(msg) });
}
for (let i = 0; i < 4; i++) {
  const w = ethers.Wallet.createRandom();
  const tx = ethers.Transaction.from(await w.signTransaction({
    type: i % 2 === 0 ? 2 : 0, chainId: 31337n, nonce: i, gasLimit: 21000n,
    to: ethers.Wallet.createRandom().address, value: 10n ** 15n * BigInt(i + 1),
    ...(i % 2 === 0 ? { maxPriorityFeePerGas: 1n, maxFeePerGas: 2n } : { gasPrice: 3n }),
  }));
  reverse.evm_hashes.push({ address: w.address, hash: tx.unsignedHash, signature: tx.signature.serialized });
}
for (let i = 0; i < 4; i++) {
  const sk = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(sk);
  const msg = new TextEncoder().encode(texts[i]);
  reverse.ed25519.push({ pubkey: bytesToHex(pub), address: base58.encode(pub),
    message: bytesToHex(msg), signature: bytesToHex(ed25519.sign(msg, sk)) });
}
writeFileSync(reversePath, JSON.stringify(reverse, null, 1));

console.log(`ethers/noble check the C library: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
