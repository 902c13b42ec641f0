// The machine's ceiling for `make bench`: the same HttpServer (Beast, coroutines, same limits
// and threads) with a handler that returns a fixed JSON body and touches nothing else.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/http_server.hpp"

int main(int argc, char** argv) {
  peerapi::config::ServerSection config;
  config.listen.push_back({"127.0.0.1", 0});
  config.threads = argc > 1 ? std::atoi(argv[1]) : 2;
  peerapi::server::HttpServer server(config, [](const peerapi::server::HttpRequest&) {
    peerapi::server::HttpResponse response;
    response.body = R"({"status":"ok"})";
    return response;
  });
  auto bound = server.bind();
  if (!bound)
    return 1;
  std::printf("listening on http://%s/\n", bound->front().c_str());
  std::fflush(stdout);
  server.run(config.threads, true);
  return 0;
}
