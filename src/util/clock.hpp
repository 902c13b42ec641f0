// Time and randomness are injected (DESIGN.md habits): tests control both.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace peerapi::util {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Unix time in milliseconds.
  [[nodiscard]] virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now_ms() const override;
};

/// A clock tests set by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
  [[nodiscard]] std::int64_t now_ms() const override { return now_.load(); }
  void advance_ms(std::int64_t delta) { now_ += delta; }

 private:
  std::atomic<std::int64_t> now_;
};

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::uint8_t* out, std::size_t size) = 0;
  std::array<std::uint8_t, 16> bytes16() {
    std::array<std::uint8_t, 16> out{};
    fill(out.data(), out.size());
    return out;
  }
};

/// OpenSSL's CSPRNG (RAND_bytes). Aborts if the generator fails: no identifier or key may be
/// made from bad randomness.
class SecureRandom final : public RandomSource {
 public:
  void fill(std::uint8_t* out, std::size_t size) override;
};

/// RFC 3339 UTC with milliseconds, e.g. "2026-11-23T12:00:00.000Z".
std::string format_rfc3339(std::int64_t unix_ms);

}  // namespace peerapi::util
