import { http, HttpResponse, type HttpHandler, type JsonBodyType } from 'msw';
import { setupServer, type SetupServerApi } from 'msw/node';

/** One HTTP call an adapter made, as the mocked network saw it. */
export interface RecordedCall {
  method: string;
  url: string;
  /** Path params of the matched route. */
  params: Record<string, string | readonly string[] | undefined>;
  headers: Record<string, string>;
  bodyText: string;
  /** Parsed JSON body, or `undefined` when the body is not JSON. */
  bodyJson: unknown;
  /** `Date.now()` when the call arrived. */
  at: number;
}

/** What a route's responder receives. */
export interface RouteContext {
  request: Request;
  call: RecordedCall;
  /** How many calls this route has answered before this one. */
  index: number;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * A mocked network for adapter tests, built on msw. Unhandled requests are errors, so nothing
 * can leak to a real API. Every call through a `route()` is recorded in `calls`.
 */
export interface ChannelTestServer {
  readonly calls: RecordedCall[];
  /** Answer `method url` (msw path syntax, `:param` allowed) with `respond`. Newer routes win. */
  route(method: Method, url: string, respond: (context: RouteContext) => Response | JsonBodyType | Promise<Response | JsonBodyType>): void;
  /** Add raw msw handlers. */
  use(...handlers: HttpHandler[]): void;
  /** Drop routes and recorded calls added since `listen()`. */
  reset(): void;
  listen(): void;
  close(): void;
  /** The msw server underneath. */
  readonly msw: SetupServerApi;
}

/**
 * Creates (but does not start) a mocked network.
 * @example
 * const server = createChannelTestServer();
 * beforeAll(() => server.listen()); afterEach(() => server.reset()); afterAll(() => server.close());
 * server.route('post', 'https://api.example.test/v1/replies', () => ({ id: 'r1' }));
 */
export function createChannelTestServer(...handlers: HttpHandler[]): ChannelTestServer {
  const msw = setupServer(...handlers);
  const calls: RecordedCall[] = [];
  return {
    calls,
    msw,
    route(method, url, respond) {
      let index = 0;
      msw.use(
        http[method](url, async ({ request, params }) => {
          const bodyText = await request.clone().text();
          let bodyJson: unknown;
          try {
            bodyJson = bodyText ? JSON.parse(bodyText) : undefined;
          } catch {
            bodyJson = undefined;
          }
          const call: RecordedCall = {
            method: request.method,
            url: request.url,
            params: params as RecordedCall['params'],
            headers: Object.fromEntries(request.headers),
            bodyText,
            bodyJson,
            at: Date.now(),
          };
          calls.push(call);
          const answer = await respond({ request, call, index: index++ });
          return answer instanceof Response ? answer : HttpResponse.json(answer);
        }),
      );
    },
    use(...extra) {
      msw.use(...extra);
    },
    reset() {
      msw.resetHandlers();
      calls.length = 0;
    },
    listen() {
      msw.listen({ onUnhandledRequest: 'error' });
    },
    close() {
      msw.close();
    },
  };
}
