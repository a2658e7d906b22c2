#include <emtk/util/error.hpp>
#include <emtk/util/json_read.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace emtk {

json_value const * json_value::find(std::string_view key) const noexcept
{
    if (type != kind::object)
        return nullptr;
    for (auto const & [k, v] : members)
        if (k == key)
            return &v;
    return nullptr;
}

namespace {

/// Recursive descent over the text; depth is bounded so a hostile file cannot exhaust the stack.
class json_parser
{
public:
    json_parser(std::string_view text, std::string const & name) : s_{text}, name_{name} {}

    json_value document()
    {
        json_value v = value(0);
        skip_space();
        if (pos_ != s_.size())
            fail("unexpected text after the JSON value");
        return v;
    }

private:
    static constexpr int max_depth = 256;
    std::string_view s_;
    std::string const & name_;
    std::size_t pos_ = 0;

    [[noreturn]] void fail(std::string const & what) const
    {
        std::uint64_t line = 1;
        for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i)
            line += s_[i] == '\n';
        throw_input_error(name_, line, "not valid JSON: " + what);
    }

    void skip_space()
    {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    void expect(char c)
    {
        skip_space();
        if (pos_ >= s_.size() || s_[pos_] != c)
            fail(std::string{"expected '"} + c + "'");
        ++pos_;
    }

    bool literal(std::string_view word)
    {
        if (s_.substr(pos_, word.size()) != word)
            return false;
        pos_ += word.size();
        return true;
    }

    /// At an opening '{' or '[': reads comma-separated elements with `element` up to `close`.
    template <typename Element>
    void elements(char close, Element element)
    {
        ++pos_;
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == close)
        {
            ++pos_;
            return;
        }
        for (;;)
        {
            element();
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == ',')
            {
                ++pos_;
                continue;
            }
            expect(close);
            return;
        }
    }

    json_value value(int depth)
    {
        if (depth > max_depth)
            fail("nested deeper than " + std::to_string(max_depth) + " levels");
        skip_space();
        if (pos_ >= s_.size())
            fail("the text ends where a value was expected");
        json_value v;
        char const c = s_[pos_];
        if (c == '{')
        {
            v.type = json_value::kind::object;
            elements('}', [&] {
                skip_space();
                if (pos_ >= s_.size() || s_[pos_] != '"')
                    fail("expected a member name in quotes");
                std::string key = string_body();
                expect(':');
                v.members.emplace_back(std::move(key), value(depth + 1));
            });
            return v;
        }
        if (c == '[')
        {
            v.type = json_value::kind::array;
            elements(']', [&] { v.items.push_back(value(depth + 1)); });
            return v;
        }
        if (c == '"')
        {
            v.type = json_value::kind::string;
            v.string = string_body();
            return v;
        }
        if (literal("true") || literal("false"))
        {
            v.type = json_value::kind::boolean;
            v.boolean = c == 't';
            return v;
        }
        if (literal("null"))
            return v;
        return number();
    }

    json_value number()
    {
        // JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; from_chars accepts a
        // superset (e.g. "inf", a leading '+' is not accepted by either), so check the first char.
        std::size_t const start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-')
            ++pos_;
        if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9')
            fail("expected a value (object, array, string, number, true, false or null)");
        json_value v;
        v.type = json_value::kind::number;
        auto const [end, ec] = std::from_chars(s_.data() + start, s_.data() + s_.size(), v.number);
        if (ec == std::errc::result_out_of_range)
            fail("number out of range");
        if (ec != std::errc{})
            fail("malformed number");
        pos_ = static_cast<std::size_t>(end - s_.data());
        return v;
    }

    static void put_utf8(std::string & out, std::uint32_t cp)
    {
        if (cp < 0x80)
            out.push_back(static_cast<char>(cp));
        else if (cp < 0x800)
        {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        else if (cp < 0x10000)
        {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        else
        {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    std::uint32_t hex4()
    {
        if (pos_ + 4 > s_.size())
            fail("a \\u escape needs four hex digits");
        std::uint32_t cp = 0;
        auto const [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, cp, 16);
        if (ec != std::errc{} || end != s_.data() + pos_ + 4)
            fail("a \\u escape needs four hex digits");
        pos_ += 4;
        return cp;
    }

    /// At the opening quote; returns the unescaped text and leaves pos_ after the closing quote.
    std::string string_body()
    {
        ++pos_;
        std::string out;
        for (;;)
        {
            if (pos_ >= s_.size())
                fail("the text ends inside a string");
            char const c = s_[pos_++];
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                fail("a control character inside a string");
            if (c != '\\')
            {
                out.push_back(c);
                continue;
            }
            if (pos_ >= s_.size())
                fail("the text ends inside a string");
            char const e = s_[pos_++];
            switch (e)
            {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u':
            {
                std::uint32_t cp = hex4();
                if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u")
                {
                    pos_ += 2;
                    std::uint32_t const low = hex4();
                    if (low < 0xDC00 || low > 0xDFFF)
                        fail("an unpaired UTF-16 surrogate in a \\u escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                put_utf8(out, cp);
                break;
            }
            default: fail(std::string{"unknown escape '\\"} + e + "' in a string");
            }
        }
    }
};

} // namespace

json_value parse_json(std::string_view text, std::string const & name)
{
    return json_parser{text, name}.document();
}

json_value read_json_file(std::string const & path)
{
    std::string text;
    if (path == "-")
        text.assign(std::istreambuf_iterator<char>{std::cin}, std::istreambuf_iterator<char>{});
    else
    {
        std::ifstream in{path, std::ios::binary};
        if (!in)
            throw_input_error(path, 0, std::string{"cannot open: "} + std::strerror(errno));
        std::ostringstream ss;
        ss << in.rdbuf();
        if (in.bad())
            throw_input_error(path, 0, std::string{"cannot read: "} + std::strerror(errno));
        text = ss.str();
    }
    return parse_json(text, path);
}

} // namespace emtk
