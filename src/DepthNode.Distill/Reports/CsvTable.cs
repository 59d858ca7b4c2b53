using System.Globalization;

namespace DepthNode.Distill.Reports;

/// <summary>
/// A comma-separated file with a header row, as the training run writes them (<c>metrics.csv</c>,
/// <c>validation.csv</c>, <c>ground_truth.csv</c>): plain fields, no quoting, invariant-culture numbers. Columns are
/// read by name, so a file with extra or reordered columns still reads; a missing column or a field that is not a
/// number is one error naming the file, line and column.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _index;
    private readonly string[][] _rows;

    private CsvTable(string path, string[] header, string[][] rows)
    {
        (Path, Header, _rows) = (path, header, rows);
        _index = header.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
    }

    public string Path { get; }
    public IReadOnlyList<string> Header { get; }
    public int Count => _rows.Length;

    /// <summary>Reads <paramref name="path"/>, which must have at least the <paramref name="required"/> columns.</summary>
    public static CsvTable Load(string path, IReadOnlyCollection<string> required)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} does not exist", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Length == 0) throw new InvalidDataException($"{path}: empty file, no header row");
        var header = lines[0].Split(',');
        var missing = required.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{path}:1: no column {string.Join(", ", missing)} (header: {lines[0]})");
        var rows = new List<string[]>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var fields = lines[i].Split(',');
            // A run killed mid-write can leave a short last line; any other short line is damage.
            if (fields.Length != header.Length)
            {
                if (i == lines.Length - 1) break;
                throw new InvalidDataException($"{path}:{i + 1}: {fields.Length} fields, the header has {header.Length}");
            }
            rows.Add(fields);
        }
        return new CsvTable(path, header, rows.ToArray());
    }

    public bool Has(string column) => _index.ContainsKey(column);

    public string[] Texts(string column)
    {
        var c = Column(column);
        return _rows.Select(r => r[c]).ToArray();
    }

    public double[] Numbers(string column)
    {
        var c = Column(column);
        var values = new double[_rows.Length];
        for (var i = 0; i < values.Length; i++)
            if (!double.TryParse(_rows[i][c], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new InvalidDataException($"{Path}: row {i + 1} column {column}: '{_rows[i][c]}' is not a number");
        return values;
    }

    private int Column(string name) =>
        _index.TryGetValue(name, out var c) ? c : throw new InvalidDataException($"{Path}: no column {name}");
}
