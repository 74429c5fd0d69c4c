// The stdio pipes HCS gives a process, as Node streams: reads are asked for
// one chunk at a time, so a stream that is not read stops the reading.
import { Readable, Writable } from 'node:stream';
import { createReadStream, createWriteStream } from 'node:fs';
import { native } from './native.js';

export function pipeReadable(pipe: number): Readable {
  const n = native();
  let reader: ReturnType<typeof n.readerStart> | undefined;
  const stream: Readable = new Readable({
    read() {
      reader ??= n.readerStart(pipe, (chunk, error) => {
        if (chunk) stream.push(chunk);
        else if (error) stream.destroy(new Error(`reading a process pipe failed: Windows error ${error}`));
        else stream.push(null);
      });
      n.readerRequest(reader);
    },
    destroy(err, callback) {
      if (reader) n.readerClose(reader);
      else n.closeHandle(pipe);
      callback(err);
    },
  });
  return stream;
}

export function pipeWritable(pipe: number): Writable {
  const n = native();
  let closed = false;
  const close = () => {
    if (!closed) n.closeHandle(pipe);
    closed = true;
  };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      n.write(pipe, chunk).then(() => callback(), callback);
    },
    final(callback) {
      close(); // the process sees the end of its input
      callback();
    },
    destroy(err, callback) {
      close();
      callback(err);
    },
  });
}

/** Connects a process's pipes to fds of this process (the CreateOptions/ExecOptions stdio). */
export function connectStdio(pipes: { stdin: number | null; stdout: number | null; stderr: number | null }, fds: [number, number, number] | undefined): void {
  const drain = (pipe: number | null, fd: number) => {
    if (pipe !== null) pipeReadable(pipe).pipe(createWriteStream('', { fd, autoClose: false }));
  };
  drain(pipes.stdout, fds?.[1] ?? 1);
  drain(pipes.stderr, fds?.[2] ?? 2);
  if (pipes.stdin === null) return;
  // stdin is fed only from an fd the caller gave; otherwise the process reads end of input at once.
  if (fds) createReadStream('', { fd: fds[0], autoClose: false }).pipe(pipeWritable(pipes.stdin));
  else native().closeHandle(pipes.stdin);
}
