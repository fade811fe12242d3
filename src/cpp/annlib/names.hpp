// One table of {name, value} per enum, and the two lookups every enum shares.
//
// Each enum of the engine declares its table once, next to the enum:
//
//     enum class Loss { mse, cross_entropy };
//     template <>
//     inline constexpr auto kNames<Loss> = name_table<Loss>({
//         {"mse", Loss::mse},
//         {"cross_entropy", Loss::cross_entropy},
//     });
//
// (name_table counts the rows, so a new one is the only change.)
//
// and then name_of(Loss::mse) == "mse", from_name<Loss>("mse", "loss") ==
// Loss::mse, and names<Loss>() lists the names in table order (the bindings
// export that list to Python, which reads it instead of keeping its own).  An
// unknown name throws std::invalid_argument with the house message
// "loss: expected one of mse, cross_entropy, got 'x'".
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace annlib {

template <class Enum, std::size_t N>
using NameTable = std::array<std::pair<std::string_view, Enum>, N>;

// Specialised once per enum, right after the enum's declaration.
template <class Enum>
inline constexpr std::array<std::pair<std::string_view, Enum>, 0> kNames{};

namespace detail {
template <class Enum, std::size_t N, std::size_t... I>
constexpr NameTable<Enum, N> name_table(const std::pair<std::string_view, Enum> (&rows)[N],
                                        std::index_sequence<I...>) {
    return {{rows[I]...}};
}
}  // namespace detail

// The rows as a NameTable whose size is their count.
template <class Enum, std::size_t N>
constexpr NameTable<Enum, N> name_table(const std::pair<std::string_view, Enum> (&rows)[N]) {
    return detail::name_table(rows, std::make_index_sequence<N>{});
}

template <class Enum>
constexpr std::string_view name_of(Enum value) {
    for (const auto& [name, entry] : kNames<Enum>)
        if (entry == value) return name;
    return "?";  // only for a value cast from an integer outside the enum
}

template <class Enum>
std::vector<std::string> names() {
    std::vector<std::string> out;
    for (const auto& entry : kNames<Enum>) out.emplace_back(entry.first);
    return out;
}

// "a, b, c": the allowed names as the error messages list them.
template <class Enum>
std::string names_joined() {
    std::string out;
    for (const auto& entry : kNames<Enum>) {
        if (!out.empty()) out += ", ";
        out += entry.first;
    }
    return out;
}

template <class Enum>
Enum from_name(std::string_view name, std::string_view argument) {
    for (const auto& [entry_name, value] : kNames<Enum>)
        if (entry_name == name) return value;
    throw std::invalid_argument(std::string(argument) + ": expected one of " +
                                names_joined<Enum>() + ", got '" + std::string(name) + "'");
}

}  // namespace annlib
