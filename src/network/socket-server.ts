/**
 * The listening socket: accepts connections, gives each a Connection, and on close stops
 * accepting, lets in-flight requests finish, then closes every connection.
 */
import { createServer, type Server } from 'node:net';
import { Connection, type ConnectionOptions, type RequestHandler } from './connection.js';

export interface SocketServerOptions extends ConnectionOptions {
  host: string;
  port: number;
}

export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 0;

  private constructor(server: Server) {
    this.server = server;
  }

  static async listen(handler: RequestHandler, options: SocketServerOptions): Promise<SocketServer> {
    const server = createServer({ noDelay: true });
    const s = new SocketServer(server);
    server.on('connection', (socket) => {
      const c = new Connection(socket, `${options.port}-${s.nextId++}`, handler, options);
      s.connections.add(c);
      void c.whenClosed.then(() => s.connections.delete(c));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return s;
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting, answers requests in flight (up to `timeoutMs`), closes everything. */
  async close(timeoutMs = 5000): Promise<void> {
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    await Promise.all([...this.connections].map((c) => c.drain(timeoutMs)));
    await closed;
  }
}
