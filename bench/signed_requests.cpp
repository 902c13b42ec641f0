// make bench helper: writes COUNT distinct DPoP-proven, RFC 9421-signed requests for one URL, one
// per line as "DPoP<TAB>Signature-Input<TAB>Signature", for bench/signed_get.lua to replay with
// wrk (each proof and signature nonce may be used once, so wrk can not reuse one request).
// Usage: signed_requests KEYFILE ALG TOKEN METHOD URL COUNT OUT
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "auth/dev_idp.hpp"
#include "auth/request_signer.hpp"
#include "util/clock.hpp"

int main(int argc, char** argv) {
  if (argc != 8) {
    std::cerr << "usage: signed_requests KEYFILE ALG TOKEN METHOD URL COUNT OUT\n";
    return 2;
  }
  auto key = peerapi::auth::dev_idp::read_key(argv[1]);
  auto algorithm = peerapi::auth::jose::algorithm_from_name(argv[2]);
  if (!key || !algorithm) {
    std::cerr << "signed_requests: bad key or algorithm\n";
    return 2;
  }
  peerapi::util::SystemClock clock;
  peerapi::util::SecureRandom random;
  peerapi::auth::RequestSigner signer(*key, *algorithm, clock, random);
  const peerapi::auth::OutgoingRequest request{argv[4], argv[5], "", {}};
  const long count = std::stol(argv[6]);
  std::ofstream out(argv[7]);
  for (long i = 0; i < count; ++i) {
    auto headers = signer.headers_for(request, argv[3]);
    if (!headers) {
      std::cerr << "signed_requests: " << headers.error().message << "\n";
      return 1;
    }
    std::string dpop, input, signature;
    for (const auto& [name, value] : *headers) {
      if (name == "DPoP")
        dpop = value;
      else if (name == "Signature-Input")
        input = value;
      else if (name == "Signature")
        signature = value;
    }
    out << dpop << '\t' << input << '\t' << signature << '\n';
  }
  return out.good() ? 0 : 1;
}
