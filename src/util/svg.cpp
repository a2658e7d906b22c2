// A small SVG writer (include/emtk/util/svg.hpp).
#include <emtk/util/svg.hpp>

#include <charconv>
#include <cmath>

namespace emtk {

namespace {

/// A number with at most 3 decimals, no trailing zeros ("12.5", "3", "-0.125").
std::string num(double v)
{
    double const r = std::round(v * 1000.0) / 1000.0;
    char buf[32];
    auto const res = std::to_chars(buf, buf + sizeof buf, r == 0 ? 0.0 : r, std::chars_format::fixed, 3);
    std::string s(buf, res.ptr);
    while (!s.empty() && s.back() == '0')
        s.pop_back();
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s;
}

} // namespace

std::string xml_escape(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s)
    {
        switch (c)
        {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c;
        }
    }
    return out;
}

svg_document::svg_document(double width, double height) : width_{width}, height_{height}
{
    rect(0, 0, width, height, "#fff");
}

void svg_document::rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke)
{
    body_.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w));
    body_.append("\" height=\"").append(num(h)).append("\" fill=\"").append(xml_escape(fill));
    body_.append("\" stroke=\"").append(xml_escape(stroke)).append("\"/>\n");
}

void svg_document::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width)
{
    body_.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2));
    body_.append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(xml_escape(stroke));
    body_.append("\" stroke-width=\"").append(num(width)).append("\"/>\n");
}

void svg_document::text(double x, double y, std::string_view s, double size, std::string_view fill,
                        std::string_view anchor, std::string_view weight)
{
    body_.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"").append(num(size));
    body_.append("\" font-family=\"Helvetica,Arial,sans-serif\" fill=\"").append(xml_escape(fill));
    body_.append("\" text-anchor=\"").append(xml_escape(anchor)).append("\" font-weight=\"").append(xml_escape(weight));
    body_.append("\">").append(xml_escape(s)).append("</text>\n");
}

void svg_document::stretched_glyph(double x, double y_bottom, double w, double h, char glyph, std::string_view fill,
                                   double cap, double advance)
{
    if (!(h > 0) || !(w > 0))
        return;
    double const sx = w / (100.0 * advance), sy = h / (100.0 * cap);
    char const g[2] = {glyph, '\0'};
    body_.append("<text transform=\"translate(").append(num(x + w / 2)).append(",").append(num(y_bottom));
    body_.append(") scale(").append(num(sx)).append(",").append(num(sy)).append(")\" font-size=\"100\"");
    body_.append(" font-family=\"Helvetica,Arial,sans-serif\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"");
    body_.append(xml_escape(fill)).append("\">").append(xml_escape(g)).append("</text>\n");
}

void svg_document::title(std::string_view s) { title_ = xml_escape(s); }

std::string svg_document::str() const
{
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"").append(num(width_));
    out.append("\" height=\"").append(num(height_)).append("\" viewBox=\"0 0 ").append(num(width_)).append(" ");
    out.append(num(height_)).append("\">\n");
    if (!title_.empty())
        out.append("<title>").append(title_).append("</title>\n");
    out.append(body_).append("</svg>\n");
    return out;
}

} // namespace emtk
