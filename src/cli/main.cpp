#include <cstdio>
int main() {
  std::puts("peerapi " PEERAPI_VERSION);
}
