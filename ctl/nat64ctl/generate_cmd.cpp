#include "nat64ctl/generate_cmd.hpp"

#include <iostream>
#include <sstream>
#include <vector>

namespace nat64::ctl {

namespace {

constexpr const char *kGenerate = "generate";

// Every visible subcommand, depth first, with its path ("pool4 add").
struct Node {
    std::string path;
    const CLI::App *app;
};

void walk(const CLI::App *app, const std::string &path, std::vector<Node> &out) {
    for (const CLI::App *sub : app->get_subcommands([](const CLI::App *) { return true; })) {
        if (sub->get_name() == kGenerate) continue;
        std::string p = path.empty() ? sub->get_name() : path + " " + sub->get_name();
        out.push_back({p, sub});
        walk(sub, p, out);
    }
}

// roff: a backslash or a leading dot/quote would be read as markup.
std::string roff(const std::string &s) {
    std::string out;
    bool line_start = true;
    for (char c : s) {
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else if (line_start && (c == '.' || c == '\'')) {
            out += "\\&";
            out += c;
        } else {
            out += c;
        }
        line_start = c == '\n';
    }
    return out;
}

std::string option_label(const CLI::Option *o) {
    if (o->get_positional()) return o->get_name();
    std::string label;
    for (const auto &s : o->get_snames())
        label += (label.empty() ? "-" : ", -") + s;
    for (const auto &l : o->get_lnames())
        label += (label.empty() ? "--" : ", --") + l;
    if (o->get_type_size() != 0 && !o->get_type_name().empty()) label += " " + o->get_type_name();
    return label;
}

std::vector<const CLI::Option *> visible_options(const CLI::App *app) {
    std::vector<const CLI::Option *> out;
    for (const CLI::Option *o : app->get_options()) {
        if (o->get_name() == "--help" || o->get_name() == "-h,--help" || o->get_group().empty())
            continue;
        if (o->get_lnames().size() == 1 && o->get_lnames()[0] == "help") continue;
        out.push_back(o);
    }
    return out;
}

std::string synopsis_of(const Node &n) {
    std::string s = "nat64ctl " + n.path;
    for (const CLI::Option *o : visible_options(n.app)) {
        std::string l = option_label(o);
        s += o->get_required() ? " " + l : " [" + l + "]";
    }
    return s;
}

}  // namespace

void write_man_page(std::ostream &out, const CLI::App &app, const std::string &version,
                    const std::string &exit_codes) {
    std::vector<Node> nodes;
    walk(&app, "", nodes);
    out << ".TH NAT64CTL 8 \"\" \"ovs-nat64 " << version << "\" \"ovs-nat64\"\n"
        << ".SH NAME\nnat64ctl \\- "
        << roff(app.get_description().substr(app.get_description().find(':') + 2))
        << "\n.SH SYNOPSIS\n";
    for (const auto &n : nodes) {
        if (!n.app->get_subcommands([](const CLI::App *) { return true; }).empty()) continue;
        out << ".B " << roff(synopsis_of(n)) << "\n.br\n";
    }
    out << ".SH COMMANDS\n";
    for (const auto &n : nodes) {
        out << ".SS \"" << roff(n.path) << "\"\n" << roff(n.app->get_description()) << "\n";
        for (const CLI::Option *o : visible_options(n.app)) {
            out << ".TP\n.B " << roff(option_label(o)) << "\n" << roff(o->get_description());
            if (o->get_required()) out << " (required)";
            out << "\n";
        }
        if (!n.app->get_footer().empty())
            out << ".PP\n.nf\n" << roff(n.app->get_footer()) << "\n.fi\n";
    }
    out << ".SH EXIT STATUS\n.nf\n"
        << roff(exit_codes) << "\n.fi\n"
        << ".SH SEE ALSO\n.BR nat64d (8),\n.BR ovs\\-appctl (8),\n.BR ovs\\-ofctl (8)\n";
}

void write_bash_completion(std::ostream &out, const CLI::App &app) {
    std::vector<Node> nodes;
    walk(&app, "", nodes);
    // The words a command path can be followed by: its subcommands, or its
    // options.  The function finds the longest path the line has typed.
    auto words_of = [](const CLI::App *a) {
        std::string w;
        auto subs = a->get_subcommands([](const CLI::App *) { return true; });
        for (const CLI::App *s : subs) {
            if (s->get_name() != kGenerate) w += (w.empty() ? "" : " ") + s->get_name();
        }
        if (!subs.empty()) return w;
        for (const CLI::Option *o : visible_options(a)) {
            for (const auto &l : o->get_lnames())
                w += (w.empty() ? "--" : " --") + l;
        }
        return w + (w.empty() ? "--help" : " --help");
    };
    out << "# bash completion for nat64ctl, generated from its command-line definitions\n"
        << "_nat64ctl() {\n"
        << "    local cur=${COMP_WORDS[COMP_CWORD]} path= w i\n"
        << "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        << "        w=${COMP_WORDS[i]}\n"
        << "        [[ $w == -* ]] && continue\n"
        << "        case \"${path:+$path }$w\" in\n";
    std::string known;
    for (const auto &n : nodes)
        known += (known.empty() ? "" : " | ") + std::string("\"") + n.path + "\"";
    out << "        " << known << ") path=\"${path:+$path }$w\" ;;\n"
        << "        esac\n"
        << "    done\n"
        << "    case $path in\n"
        << "    \"\") COMPREPLY=($(compgen -W \"" << words_of(&app) << "\" -- \"$cur\")) ;;\n";
    for (const auto &n : nodes) {
        out << "    \"" << n.path << "\") COMPREPLY=($(compgen -W \"" << words_of(n.app)
            << "\" -- \"$cur\")) ;;\n";
    }
    out << "    esac\n"
        << "}\n"
        << "complete -F _nat64ctl nat64ctl\n";
}

GenerateCommand::GenerateCommand(CLI::App &app, std::string version, std::string exit_codes)
    : version_(std::move(version)), exit_codes_(std::move(exit_codes)) {
    cmd_ = app.add_subcommand(kGenerate,
                              "Print the man page or the bash completion (used by the build)");
    cmd_->group("");  // hidden from --help
    cmd_->add_option("WHAT", what_, "man or bash-completion")
        ->required()
        ->check(CLI::IsMember({"man", "bash-completion"}));
}

bool GenerateCommand::run(const CLI::App &app) {
    if (!cmd_->parsed()) return false;
    if (what_ == "man") {
        write_man_page(std::cout, app, version_, exit_codes_);
    } else {
        write_bash_completion(std::cout, app);
    }
    return true;
}

}  // namespace nat64::ctl
