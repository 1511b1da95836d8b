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
#include <optional>
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

// -- std::optional -------------------------------------------------------------
// A flag, then the value when there is one. ADL finds the std::optional
// overload only for an optional of one of our types; an optional of a
// standard type (std::optional<std::string>) goes through optional_field(),
// whose wrapper lives here.

template <class T>
struct optional_ref {
  std::optional<T>& x;
};

template <class T>
optional_ref<T> optional_field(std::optional<T>& x) {
  return optional_ref<T>{x};
}

template <class T>
struct optional_value {
  bool& has;
  std::optional<T>& x;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_value<T>& v) {
  if constexpr (Inspector::writes_state) {
    if (!v.has) {
      v.x.reset();
      return f();
    }
    return f(v.x.emplace());
  } else {
    if (v.x)
      return f(*v.x);
    return f();
  }
}

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, std::optional<T>& x) {
  bool has = x.has_value();
  optional_value<T> v{has, x};
  return f(caf::meta::omittable(), has, v);
}

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_ref<T>& r) {
  return inspect(f, r.x);
}

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_ref<T>&& r) {
  return inspect(f, r.x);
}

} // namespace proctord::variant_inspect
