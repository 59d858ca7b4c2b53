using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace DepthNode.Distill.Reports;

/// <summary>
/// A small document (headings, paragraphs, tables, images) written once and rendered both as Markdown and as a
/// self-contained HTML page, so the two reports cannot say different things. Text may hold `code` spans.
/// </summary>
public sealed partial class ReportDocument(string title)
{
    private abstract record Block;
    private sealed record Heading(string Text) : Block;
    private sealed record Paragraph(string Text) : Block;
    private sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;
    private sealed record Image(string Alt, string Path) : Block;

    private readonly List<Block> _blocks = [];

    public void AddHeading(string text) => _blocks.Add(new Heading(text));
    public void AddParagraph(string text) => _blocks.Add(new Paragraph(text));
    public void AddTable(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) => _blocks.Add(new Table(header, rows.ToList()));

    /// <summary>An image by its path relative to the report.</summary>
    public void AddImage(string alt, string relativePath) => _blocks.Add(new Image(alt, relativePath));

    /// <summary>The relative paths of every image, in order (what the report links to).</summary>
    public IEnumerable<string> ImagePaths => _blocks.OfType<Image>().Select(i => i.Path);

    public string ToMarkdown()
    {
        var md = new StringBuilder().Append("# ").Append(title).Append("\n\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h: md.Append("## ").Append(h.Text).Append("\n\n"); break;
                case Paragraph p: md.Append(p.Text).Append("\n\n"); break;
                case Image i: md.Append("![").Append(i.Alt).Append("](").Append(i.Path).Append(")\n\n"); break;
                case Table t:
                    md.Append("| ").AppendJoin(" | ", t.Header.Select(Cell)).Append(" |\n");
                    md.Append('|').AppendJoin("|", t.Header.Select(_ => " --- ")).Append("|\n");
                    foreach (var row in t.Rows) md.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
                    md.Append('\n');
                    break;
            }
        }
        return md.ToString();

        static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
    }

    public string ToHtml()
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}")
            .Append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}")
            .Append("img{max-width:100%}code{background:#f3f3f3;padding:0 .2em}</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Inline(title)).Append("</h1>\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case Heading h: html.Append("<h2>").Append(Inline(h.Text)).Append("</h2>\n"); break;
                case Paragraph p: html.Append("<p>").Append(Inline(p.Text)).Append("</p>\n"); break;
                case Image i: html.Append("<p><img src=\"").Append(Encode(i.Path)).Append("\" alt=\"").Append(Encode(i.Alt)).Append("\"></p>\n"); break;
                case Table t:
                    html.Append("<table>\n<tr>").AppendJoin("", t.Header.Select(c => $"<th>{Inline(c)}</th>")).Append("</tr>\n");
                    foreach (var row in t.Rows) html.Append("<tr>").AppendJoin("", row.Select(c => $"<td>{Inline(c)}</td>")).Append("</tr>\n");
                    html.Append("</table>\n");
                    break;
            }
        }
        return html.Append("</body>\n</html>\n").ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Inline(string text) => CodeSpan().Replace(Encode(text), m => $"<code>{m.Groups[1].Value}</code>");

    [GeneratedRegex("`([^`]*)`")]
    private static partial Regex CodeSpan();
}
