// The floor of any Node.js gRPC streaming server, for `pnpm bench capacity`: a bare node:http2 server
// that answers each gRPC message of a stream with the same message, one write each (init is echoed
// as "ready", a data chunk as its "result": the two oneofs share field numbers). No decoding, no
// pipeline: what is left is node:http2 itself. Takes (and ignores) the app's command-line flags and
// prints the app's "ready" log line.
import http2 from 'node:http2';

const server = http2.createServer();
server.on('stream', (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5) {
      const size = 5 + pending.readUInt32BE(1);
      if (pending.length < size) break;
      stream.write(pending.subarray(0, size));
      pending = pending.subarray(size);
    }
  });
  stream.on('end', () => stream.end());
  stream.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'ready', url: `http://127.0.0.1:${server.address().port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
