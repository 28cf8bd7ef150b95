// Output of the list commands: an aligned table for people, or CSV for
// scripts (JSON is written by the commands themselves, from the same rows'
// source).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nat64::ctl {

using Row = std::vector<std::string>;

// Columns padded to their widest cell, two spaces apart, header first.
void print_table(std::ostream &out, const Row &header, const std::vector<Row> &rows);
// RFC 4180: fields with a comma, quote or line break are quoted.
void print_csv(std::ostream &out, const Row &header, const std::vector<Row> &rows);

// The output format a list command was asked for.
enum class Format { table, csv, json };

// Prints rows as a table or CSV, or 'json' (the same rows as JSON, built by
// the command with its documented schema) with two-space indentation.
void emit(std::ostream &out, Format f, const Row &header, const std::vector<Row> &rows,
          const nlohmann::ordered_json &json);

}  // namespace nat64::ctl
