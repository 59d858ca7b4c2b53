// Reads an MCAP file with the reference TypeScript implementation (@mcap/core) and prints what it saw as JSON.
//   node mcap-check.js check <file>   -> schemas, channels, statistics, per-topic counts, sha256 of message data,
//                                        CRC checks (summary, chunks, data section), stream-reader record counts
//   node mcap-check.js bench <file>   -> {messages, bytes, seconds} for an indexed read of every message
// Run with NODE_PATH pointing at the node_modules where @mcap/core, @foxglove/wasm-zstd, @foxglove/wasm-lz4 and
// @foxglove/crc are installed.
"use strict";
const fs = require("fs");
const crypto = require("crypto");
const { McapIndexedReader, McapStreamReader } = require("@mcap/core");
const zstd = require("@foxglove/wasm-zstd");
const lz4 = require("@foxglove/wasm-lz4");
const { crc32 } = require("@foxglove/crc");

const decompressHandlers = {
  zstd: (buffer, size) => zstd.decompress(buffer, Number(size)),
  lz4: (buffer, size) => lz4(buffer, Number(size)),
};

function fileReadable(path) {
  const fd = fs.openSync(path, "r");
  const size = BigInt(fs.fstatSync(fd).size);
  return {
    size: async () => size,
    read: async (offset, length) => {
      const buf = Buffer.allocUnsafe(Number(length));
      let done = 0;
      while (done < buf.length) {
        const n = fs.readSync(fd, buf, done, buf.length - done, Number(offset) + done);
        if (n === 0) throw new Error("unexpected end of file");
        done += n;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    },
    close: () => fs.closeSync(fd),
  };
}

const str = (m) => Object.fromEntries([...m.entries()].map(([k, v]) => [String(k), typeof v === "bigint" ? String(v) : v]));

async function check(path) {
  const readable = fileReadable(path);
  const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers }); // validates the summary CRC
  const out = {
    profile: reader.header.profile,
    library: reader.header.library,
    schemas: [...reader.schemasById.values()].map((s) => ({ id: s.id, name: s.name, encoding: s.encoding, data: Buffer.from(s.data).toString("utf8") })),
    channels: [...reader.channelsById.values()].map((c) => ({ id: c.id, topic: c.topic, messageEncoding: c.messageEncoding, schemaId: c.schemaId, metadata: str(c.metadata) })),
    statistics: reader.statistics ? { messageCount: String(reader.statistics.messageCount), channelMessageCounts: str(reader.statistics.channelMessageCounts), chunkCount: reader.statistics.chunkCount } : null,
    chunkIndexes: reader.chunkIndexes.length,
    compressions: [...new Set(reader.chunkIndexes.map((c) => c.compression))],
    metadata: [],
  };
  for await (const m of reader.readMetadata()) out.metadata.push({ name: m.name, metadata: str(m.metadata) });
  const hash = crypto.createHash("sha256");
  const perTopic = {};
  let count = 0, lastTime = -1n, ordered = true;
  for await (const m of reader.readMessages({ validateCrcs: true })) {
    const topic = reader.channelsById.get(m.channelId).topic;
    perTopic[topic] = (perTopic[topic] || 0) + 1;
    hash.update(m.data);
    if (m.logTime < lastTime) ordered = false;
    lastTime = m.logTime;
    count++;
  }
  out.indexedMessages = count;
  out.indexedOrdered = ordered;
  out.perTopic = perTopic;
  out.dataSha256 = hash.digest("hex");
  // Data section CRC: everything before the DataEnd record, which sits right before the summary (or footer).
  const bytes = fs.readFileSync(path);
  const footer = bytes.subarray(bytes.length - 8 - 29);
  const summaryStart = Number(footer.readBigUInt64LE(9));
  const dataEnd = (summaryStart || bytes.length - 8 - 29) - 13;
  if (bytes[dataEnd] !== 0x0f) throw new Error(`no DataEnd record at ${dataEnd}`);
  const storedDataCrc = bytes.readUInt32LE(dataEnd + 9);
  out.dataSectionCrc = { stored: storedDataCrc, computed: crc32(bytes.subarray(0, dataEnd)) };
  // Stream reader: walks every record, validating chunk CRCs.
  const stream = new McapStreamReader({ decompressHandlers, validateCrcs: true });
  stream.append(bytes);
  const records = {};
  let rec;
  while ((rec = stream.nextRecord())) records[rec.type] = (records[rec.type] || 0) + 1;
  out.streamRecords = records;
  out.streamDone = stream.done();
  readable.close();
  return out;
}

async function bench(path) {
  const readable = fileReadable(path);
  const start = process.hrtime.bigint();
  const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers });
  let messages = 0, bytes = 0;
  for await (const m of reader.readMessages({ validateCrcs: true })) { messages++; bytes += m.data.length; }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  readable.close();
  return { messages, bytes, seconds };
}

(async () => {
  await zstd.isLoaded;
  await lz4.isLoaded;
  const [mode, path] = process.argv.slice(2);
  const result = mode === "bench" ? await bench(path) : await check(path);
  process.stdout.write(JSON.stringify(result) + "\n");
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
