// ISO-8601 times as JavaScript writes and reads them. Pure arithmetic on
// the proleptic Gregorian calendar (Howard Hinnant's days_from_civil and
// civil_from_days): no gmtime, no locale, no time zone database, so it is
// thread-safe and gives the same answer on every machine.

#include "protocol/iso_time.hpp"

#include <algorithm>

namespace proctord::protocol {

namespace {

constexpr std::int64_t ms_per_day = 86'400'000;
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years that
// "YYYY" can write (toISOString() switches to "+YYYYYY" outside them).
constexpr std::int64_t min_ms = -62'167'219'200'000;
constexpr std::int64_t max_ms = 253'402'300'799'999;

/// Days since 1970-01-01 of y-m-d (m 1..12, d 1..31).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m,
                                       unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);          // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;    // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);             // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                              // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;                      // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                         // [1, 12]
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969);

constexpr bool is_leap(std::int64_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/// Writes `v` as exactly `width` decimal digits (v < 10^width).
void put(char* p, unsigned v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

/// Reads a fixed-width run of digits from `s` at `pos`, advancing it.
bool digits(std::string_view s, std::size_t& pos, int width,
            unsigned& out) noexcept {
  if (pos + static_cast<std::size_t>(width) > s.size())
    return false;
  unsigned v = 0;
  for (int i = 0; i < width; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  pos += static_cast<std::size_t>(width);
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) noexcept {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

} // namespace

void append_iso(std::string& out, std::int64_t epoch_ms) {
  epoch_ms = std::clamp(epoch_ms, min_ms, max_ms);
  // Floor division: -1 ms is 1969-12-31T23:59:59.999Z.
  std::int64_t days = epoch_ms / ms_per_day;
  std::int64_t rest = epoch_ms % ms_per_day;
  if (rest < 0) {
    rest += ms_per_day;
    --days;
  }
  const civil c = civil_from_days(days);
  const auto ms_of_day = static_cast<unsigned>(rest);
  char buf[24]; // "YYYY-MM-DDTHH:MM:SS.sssZ"
  put(buf, static_cast<unsigned>(c.year), 4);
  buf[4] = '-';
  put(buf + 5, c.month, 2);
  buf[7] = '-';
  put(buf + 8, c.day, 2);
  buf[10] = 'T';
  put(buf + 11, ms_of_day / 3'600'000, 2);
  buf[13] = ':';
  put(buf + 14, ms_of_day / 60'000 % 60, 2);
  buf[16] = ':';
  put(buf + 17, ms_of_day / 1000 % 60, 2);
  buf[19] = '.';
  put(buf + 20, ms_of_day % 1000, 3);
  buf[23] = 'Z';
  out.append(buf, sizeof(buf));
}

std::string to_iso(std::int64_t epoch_ms) {
  std::string s;
  s.reserve(24);
  append_iso(s, epoch_ms);
  return s;
}

std::optional<std::int64_t> from_iso(std::string_view s) {
  std::size_t pos = 0;
  unsigned year = 0, month = 0, day = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-')
      || !digits(s, pos, 2, month) || !expect(s, pos, '-')
      || !digits(s, pos, 2, day))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    return std::nullopt;
  const std::int64_t date_ms = days_from_civil(year, month, day) * ms_per_day;
  if (pos == s.size())
    return date_ms; // a date alone is UTC midnight, as in JavaScript

  unsigned hour = 0, minute = 0, second = 0, millis = 0;
  if (!expect(s, pos, 'T') || !digits(s, pos, 2, hour) || !expect(s, pos, ':')
      || !digits(s, pos, 2, minute))
    return std::nullopt;
  if (expect(s, pos, ':')) {
    if (!digits(s, pos, 2, second))
      return std::nullopt;
    if (expect(s, pos, '.')) {
      // One digit or more; what lies beyond milliseconds is cut off.
      int n = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (n < 3)
          millis = millis * 10 + static_cast<unsigned>(s[pos] - '0');
        ++n;
        ++pos;
      }
      if (n == 0)
        return std::nullopt;
      for (; n < 3; ++n)
        millis *= 10;
    }
  }
  // ECMAScript allows 24:00 (and only that: :00, .000) as the end of a day.
  const bool end_of_day = hour == 24 && minute == 0 && second == 0 && millis == 0;
  if ((hour > 23 && !end_of_day) || minute > 59 || second > 59)
    return std::nullopt;

  std::int64_t offset_ms = 0;
  if (expect(s, pos, 'Z')) {
    // UTC
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool minus = s[pos] == '-';
    ++pos;
    unsigned oh = 0, om = 0;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om)
        || oh > 23 || om > 59)
      return std::nullopt;
    offset_ms = (static_cast<std::int64_t>(oh) * 60 + om) * 60'000;
    if (minus)
      offset_ms = -offset_ms;
  } else {
    // Without a zone JavaScript reads local time; we have none to offer.
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  const std::int64_t time_ms
    = ((static_cast<std::int64_t>(hour) * 60 + minute) * 60 + second) * 1000
      + millis;
  return date_ms + time_ms - offset_ms;
}

} // namespace proctord::protocol
