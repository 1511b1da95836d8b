#pragma once
// inspect() for std::variant, which CAF 0.17 lacks: one byte of alternative
// index, then the alternative. The same wire shape as caf::variant, so a
// variant of inspectable types crosses a node like any other message field.
//
// A namespace whose types appear in a variant pulls this in with
// `using proctord::variant_inspect::inspect;` so that argument-dependent
// lookup from CAF's serializers finds it.

#include <caf/error.hpp>
#include <caf/meta/omittable.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <type_traits>
#include <variant>

namespace proctord::variant_inspect {

template <class Variant>
struct reader {
  Variant& x;
};

template <class Variant>
struct writer {
  std::uint8_t& tag;
  Variant& x;
};

template <class Inspector, class Variant>
typename Inspector::result_type inspect(Inspector& f, reader<Variant>& r) {
  return std::visit([&f](auto& alt) { return f(alt); }, r.x);
}

template <std::size_t I, class Inspector, class Variant>
typename Inspector::result_type assign(Inspector& f, std::uint8_t tag,
                                       Variant& x) {
  if constexpr (I < std::variant_size_v<Variant>) {
    if (tag == I)
      return f(x.template emplace<I>());
    return assign<I + 1>(f, tag, x);
  } else {
    return caf::make_error(caf::sec::invalid_argument);
  }
}

template <class Inspector, class Variant>
typename Inspector::result_type inspect(Inspector& f, writer<Variant>& w) {
  return assign<0>(f, w.tag, w.x);
}

template <class Inspector, class... Ts>
typename std::enable_if<Inspector::reads_state,
                        typename Inspector::result_type>::type
inspect(Inspector& f, std::variant<Ts...>& x) {
  static_assert(sizeof...(Ts) < 256, "one byte of index");
  auto tag = static_cast<std::uint8_t>(x.index());
  reader<std::variant<Ts...>> r{x};
  return f(caf::meta::omittable(), tag, r);
}

template <class Inspector, class... Ts>
typename std::enable_if<Inspector::writes_state,
                        typename Inspector::result_type>::type
inspect(Inspector& f, std::variant<Ts...>& x) {
  std::uint8_t tag = 0;
  writer<std::variant<Ts...>> w{tag, x};
  return f(caf::meta::omittable(), tag, w);
}

} // namespace proctord::variant_inspect
