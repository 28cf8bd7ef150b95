#include "nat64ctl/table.hpp"

#include <algorithm>
#include <ostream>

namespace nat64::ctl {

void print_table(std::ostream &out, const Row &header, const std::vector<Row> &rows) {
    size_t columns = header.size();
    for (const auto &r : rows)
        columns = std::max(columns, r.size());
    std::vector<size_t> width(columns);
    auto measure = [&](const Row &r) {
        for (size_t i = 0; i < r.size(); i++)
            width[i] = std::max(width[i], r[i].size());
    };
    measure(header);
    for (const auto &r : rows)
        measure(r);
    auto print = [&](const Row &r) {
        std::string line;
        for (size_t i = 0; i < r.size(); i++) {
            line += r[i];
            if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
        }
        out << line << '\n';
    };
    print(header);
    for (const auto &r : rows)
        print(r);
}

void print_csv(std::ostream &out, const Row &header, const std::vector<Row> &rows) {
    auto field = [](const std::string &f) {
        if (f.find_first_of(",\"\r\n") == std::string::npos) return f;
        std::string q = "\"";
        for (char c : f)
            q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    auto print = [&](const Row &r) {
        for (size_t i = 0; i < r.size(); i++)
            out << (i ? "," : "") << field(r[i]);
        out << "\r\n";
    };
    print(header);
    for (const auto &r : rows)
        print(r);
}

void emit(std::ostream &out, Format f, const Row &header, const std::vector<Row> &rows,
          const nlohmann::ordered_json &json) {
    switch (f) {
        case Format::json:
            out << json.dump(2) << '\n';
            break;
        case Format::csv:
            print_csv(out, header, rows);
            break;
        case Format::table:
            print_table(out, header, rows);
            break;
    }
}

}  // namespace nat64::ctl
