/**
 * The streaming API's fan-out (filled in by the streaming work): events written by any process
 * reach the listeners of every web process.
 */
export class StreamHub {}
