#pragma once
/// \file
/// \brief A small SVG 1.1 writer for emtk's plots (sequence logos, coverage tracks): shapes and
/// text appended in drawing order, serialised as one standalone document viewable in any browser.
///
/// Numbers are written with at most 3 decimals (positions in user units, i.e. pixels); text is
/// XML-escaped. No layout engine: callers place everything.

#include <string>
#include <string_view>

namespace emtk {

class svg_document
{
public:
    /// \brief A document of `width` × `height` user units with a white background.
    svg_document(double width, double height);

    /// \brief A rectangle; `fill` is any SVG colour ("#1f77b4", "none").
    void rect(double x, double y, double w, double h, std::string_view fill, std::string_view stroke = "none");
    /// \brief A straight line.
    void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1);
    /// \brief Text anchored at (x, y) (baseline); anchor "start", "middle" or "end".
    void text(double x, double y, std::string_view s, double size, std::string_view fill = "#000",
              std::string_view anchor = "start", std::string_view weight = "normal");
    /// \brief A glyph stretched to fill the box (x, y_bottom − h) … (x + w, y_bottom): drawn at
    /// font size 100 and scaled, with `cap` the font's cap height as a fraction of the size (how
    /// tall an upper-case letter is). Used for the letters of sequence logos.
    void stretched_glyph(double x, double y_bottom, double w, double h, char glyph, std::string_view fill,
                         double cap = 0.72, double advance = 0.62);
    /// \brief A <title> tooltip for the whole document (shown by browsers).
    void title(std::string_view s);

    /// \brief The complete document.
    [[nodiscard]] std::string str() const;

private:
    double width_, height_;
    std::string title_;
    std::string body_;
};

/// \brief `s` with &, <, >, " and ' replaced by XML entities.
[[nodiscard]] std::string xml_escape(std::string_view s);

} // namespace emtk
