/**
 * `npm start`. The broker lands with issue 4 ("A broker that unmodified Kafka clients use");
 * until then this says so plainly instead of pretending to serve.
 */
console.error(
  'tributary: the broker is not built yet. This build has the protocol layer (codecs, record batches,\n' +
    'error codes); `npm start` will run a broker on localhost:9092 once it lands.',
);
process.exitCode = 1;
