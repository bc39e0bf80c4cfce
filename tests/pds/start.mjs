// The reference Bluesky PDS (@atproto/pds) and an in-memory PLC directory (@did-plc/server),
// on loopback, for smmflow's Bluesky tests (tests/pdsfixture.py starts this).
//
//   node start.mjs [--pds-port N] [--plc-port N]     (or PDS_PORT / PLC_PORT; 0 or unset: free ports)
//
// Prints one line `READY {"pds": url, "plc": url, "adminPassword": ...}` once both answer,
// and stops cleanly on SIGTERM or SIGINT (its data folder, made under the OS temp folder,
// is removed). Everything is as in bluesky-social/atproto's packages/dev-env: dev mode,
// `.test` handles, no invites, no rate limits (the tests put a proxy in front for 429s).

import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

process.env.LOG_ENABLED ??= 'false' // pino logs of every request: off unless asked for

const { Secp256k1Keypair } = await import('@atproto/crypto')
const plc = await import('@did-plc/server')
const pdsModule = await import('@atproto/pds')
const { PDS, envToCfg, envToSecrets, readEnv } = pdsModule.default ?? pdsModule

function option(name, envName) {
  const i = process.argv.indexOf(`--${name}`)
  const raw = i >= 0 ? process.argv[i + 1] : process.env[envName]
  const value = Number.parseInt(raw ?? '0', 10)
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`--${name}: not a port: ${raw}`)
  }
  return value
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const plcPort = option('plc-port', 'PLC_PORT') || (await freePort())
const pdsPort = option('pds-port', 'PDS_PORT') || (await freePort())
const dataDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'smmflow-pds-'))
let plcServer
let pdsServer
let stopping = false

async function stop(code) {
  if (stopping) return
  stopping = true
  for (const server of [pdsServer, plcServer]) {
    try {
      await server?.destroy()
    } catch (err) {
      console.error(`stopping: ${err?.message ?? err}`)
    }
  }
  await fs.rm(dataDirectory, { recursive: true, force: true })
  process.exit(code)
}

process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))

try {
  plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: plcPort })
  await plcServer.start()
  const plcUrl = `http://localhost:${plcPort}`

  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  const rotationHex = Buffer.from(await rotationKey.export()).toString('hex')
  const adminPassword = crypto.randomBytes(12).toString('hex')
  const env = {
    ...readEnv(), // any PDS_* variable set by the caller still applies, except those below
    port: pdsPort,
    hostname: 'localhost',
    devMode: true,
    dataDirectory,
    blobstoreDiskLocation: path.join(dataDirectory, 'blobs'),
    didPlcUrl: plcUrl,
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    disableSsrfProtection: true,
    jwtSecret: crypto.randomBytes(16).toString('hex'),
    adminPassword,
    plcRotationKeyK256PrivateKeyHex: rotationHex,
    recoveryDidKey: (await Secp256k1Keypair.create()).did(),
    serviceName: 'smmflow test PDS',
  }
  pdsServer = await PDS.create(envToCfg(env), envToSecrets(env))
  await pdsServer.start()
  const pdsUrl = `http://localhost:${pdsPort}`

  const health = await fetch(`${pdsUrl}/xrpc/_health`)
  if (!health.ok) throw new Error(`the PDS answered ${health.status} to /xrpc/_health`)
  console.log(`READY ${JSON.stringify({ pds: pdsUrl, plc: plcUrl, adminPassword })}`)
} catch (err) {
  console.error(`the test PDS did not start: ${err?.stack ?? err}`)
  await stop(1)
}
