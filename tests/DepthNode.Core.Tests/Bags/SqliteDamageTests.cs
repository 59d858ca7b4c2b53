using System.Diagnostics;
using System.Globalization;
using DepthNode.Bags;
using DepthNode.Bags.Sqlite;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Bags;

/// <summary>
/// Damaged <c>.db3</c> files (a power cut leaves them): copies of real bags with a few bytes overwritten (fixed
/// seeds) in the file header, the schema page, b-tree page headers, overflow chains and at random. Reading never
/// throws anything but a one-line <see cref="BagFormatException"/> naming the file, and returns every row whose own
/// pages (leaf cell and overflow chain) are intact, byte for byte. The reference, which rows exist and on which
/// pages, comes from the sqlite3 command-line tool (its <c>dbstat</c> table) on the intact file.
/// </summary>
public class SqliteDamageTests
{
    private sealed record Row(long Id, string Topic, long Timestamp, string Hex, HashSet<long> Pages);

    private sealed record Layout(List<Row> Rows, Dictionary<string, List<long>> PagesByKind, HashSet<long> TopicPages, int PageSize);

    private static string Sqlite3(string file, string sql)
    {
        var psi = new ProcessStartInfo("sqlite3", ["-readonly", "-separator", "|", file, sql]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"sqlite3 {sql}: {err}");
        return output;
    }

    private static IEnumerable<string[]> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|'));

    /// <summary>Rows and the pages they live on: the k-th leaf (in b-tree path order) holds the next ncell rows by rowid; an overflow page's path names its leaf and cell.</summary>
    private static Layout Map(string file)
    {
        var pageSize = int.Parse(Sqlite3(file, "PRAGMA page_size").Trim(), CultureInfo.InvariantCulture);
        var rows = Lines(Sqlite3(file, "SELECT m.id, t.name, m.timestamp, hex(m.data) FROM messages m JOIN topics t ON t.id = m.topic_id ORDER BY m.id"))
            .Select(f => new Row(long.Parse(f[0], CultureInfo.InvariantCulture), f[1], long.Parse(f[2], CultureInfo.InvariantCulture), f[3], [])).ToList();
        var stat = Lines(Sqlite3(file, "SELECT name, path, pageno, pagetype, ncell FROM dbstat ORDER BY name, path")).ToList();
        var kinds = new Dictionary<string, List<long>>();
        void Add(string kind, long page) { if (!kinds.TryGetValue(kind, out var l)) kinds[kind] = l = []; l.Add(page); }
        var cellsOf = new Dictionary<string, List<Row>>();
        var next = 0;
        foreach (var f in stat.Where(f => f[0] == "messages" && f[3] == "leaf"))
        {
            var n = int.Parse(f[4], CultureInfo.InvariantCulture);
            var onLeaf = rows.Skip(next).Take(n).ToList();
            next += n;
            cellsOf[f[1]] = onLeaf;
            foreach (var r in onLeaf) r.Pages.Add(long.Parse(f[2], CultureInfo.InvariantCulture));
        }
        Assert.Equal(rows.Count, next);
        foreach (var f in stat)
        {
            var page = long.Parse(f[2], CultureInfo.InvariantCulture);
            Add(f[0] == "messages" || f[0] == "topics" || f[0] == "sqlite_schema" ? $"{f[0]}:{f[3]}" : f[3], page);
            if (f[0] != "messages" || f[3] != "overflow") continue;
            var plus = f[1].IndexOf('+');
            var slash = f[1].LastIndexOf('/', plus);
            var cell = Convert.ToInt32(f[1][(slash + 1)..plus], 16);
            cellsOf[f[1][..(slash + 1)]][cell].Pages.Add(page);
        }
        var topicPages = stat.Where(f => f[0] == "topics").Select(f => long.Parse(f[2], CultureInfo.InvariantCulture)).ToHashSet();
        return new Layout(rows, kinds, topicPages, pageSize);
    }

    /// <summary>Overwrites a few bytes; returns the pages touched.</summary>
    private static HashSet<long> Damage(byte[] b, Layout layout, string kind, Random rng)
    {
        var ps = layout.PageSize;
        int at, count;
        switch (kind)
        {
            case "header": at = 16 + rng.Next(84); count = rng.Next(1, 4); break;
            case "random": at = rng.Next(b.Length - 8); count = rng.Next(1, 9); break;
            default:
            {
                var pages = layout.PagesByKind[kind];
                var page = pages[rng.Next(pages.Count)];
                // A b-tree page header (flag, freeblock, cell count, content start) or an overflow page's next pointer.
                at = (int)((page - 1) * ps) + (page == 1 ? 100 : 0) + rng.Next(kind.EndsWith("overflow") ? 4 : 6);
                count = rng.Next(1, 4);
                break;
            }
        }
        var touched = new HashSet<long>();
        for (var i = 0; i < count && at + i < b.Length; i++)
        {
            var old = b[at + i];
            do b[at + i] = (byte)rng.Next(256); while (b[at + i] == old);
            touched.Add((at + i) / ps + 1);
        }
        return touched;
    }

    public static TheoryData<string> Bags => new()
    {
        "bags/rosbag2/rosbag2_py/test/resources/sqlite3/talker/talker.db3",
        "bags/rosbag2/rosbag2_tests/resources/sqlite3/cdr_test/cdr_test_0.db3",
        "bags/rosbag2/rosbag2_py/test/resources/sqlite3/convert_b/rewriter_b_0.db3",
        "bags/rosbag2/rosbag2_tests/resources/sqlite3/bag_with_topics_and_service_events/bag_with_topics_and_service_events.db3",
        "bags/rosbag2js/sample.db3",
        "written",
    };

    /// <summary>A bigger bag (several leaf pages under an interior page, long overflow chains): real JPEG frames and real small messages.</summary>
    private static string WriteFromRealFrames(string dir)
    {
        var folder = Path.Combine(dir, "frames");
        using (var sample = BagReader.Open(SharedData.Path("bags", "rosbag2js", "sample.db3")))
        using (var w = BagWriter.Create(folder, BagStorage.Sqlite3))
        {
            var small = sample.ReadMessages(new BagReadOptions { Topics = ["/fix", "/imu", "/text"] }).Select(m => (m.Topic, Data: m.Data.ToArray())).ToList();
            var compressed = sample.Info.Topics.Single(t => t.Topic.Name == "/image/compressed").Topic;
            foreach (var t in small.Select(s => s.Topic).Distinct()) w.AddTopic(t);
            w.AddTopic(compressed);
            var frames = Directory.GetFiles(SharedData.Path("data", "7scenes_redkitchen"), "frame-*.color.jpg").Order(StringComparer.Ordinal).Take(13).ToList();
            var t0 = 1_700_000_000_000_000_000L;
            for (var i = 0; i < 400; i++)
            {
                var (topic, data) = small[i % small.Count];
                w.Write(topic.Name, t0 + i * 10_000_000L, 0, data);
                if (i % 33 == 0) w.Write(compressed.Name, t0 + i * 10_000_000L + 1, 0, File.ReadAllBytes(frames[i / 33]));
            }
        }
        return Directory.GetFiles(folder, "*.db3").Single();
    }

    [Theory]
    [MemberData(nameof(Bags))]
    public void DamagedDb3_ReadsEveryRowWhosePagesAreIntact(string bag)
    {
        var dir = SyntheticBag.TempDir("sqlite-damage");
        Directory.CreateDirectory(dir);
        try
        {
            var source = bag == "written" ? WriteFromRealFrames(dir) : SharedData.Path(bag.Split('/'));
            var intact = File.ReadAllBytes(source);
            var layout = Map(source);
            Assert.NotEmpty(layout.Rows);
            var kinds = new List<string> { "header", "random", "random" };
            kinds.AddRange(layout.PagesByKind.Keys.Where(k => k.StartsWith("messages:", StringComparison.Ordinal) || k.StartsWith("sqlite_schema:", StringComparison.Ordinal) || k == "leaf"));
            var rng = new Random(bag.Length);
            var file = Path.Combine(dir, "damaged.db3");
            var salvaged = 0;
            foreach (var kind in kinds)
            {
                for (var rep = 0; rep < 3; rep++)
                {
                    var bytes = (byte[])intact.Clone();
                    var touched = Damage(bytes, layout, kind, rng);
                    File.WriteAllBytes(file, bytes);
                    var expected = layout.Rows.Where(r => !r.Pages.Overlaps(touched) && !layout.TopicPages.Overlaps(touched)).ToList();
                    List<(string Topic, long Time, string Hex)> got;
                    var warnings = new List<string>();
                    try
                    {
                        using var reader = BagReader.Open(file, warnings.Add);
                        _ = reader.Info;
                        got = reader.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
                    }
                    catch (BagFormatException e)
                    {
                        // Allowed only when nothing that should be readable was lost, and it must name the file.
                        Assert.True(expected.Count == 0, $"{kind} at pages {string.Join(",", touched)}: {e.Message}");
                        Assert.Contains("damaged.db3", e.Message);
                        Assert.DoesNotContain('\n', e.Message);
                        continue;
                    }
                    var set = got.ToHashSet();
                    var missing = expected.Where(r => !set.Contains((r.Topic, r.Timestamp, r.Hex))).ToList();
                    Assert.True(missing.Count == 0, $"{bag}, {kind} damage at pages {string.Join(",", touched)}: {missing.Count} intact rows not read (ids {string.Join(",", missing.Take(10).Select(r => r.Id))}); warnings: {string.Join(" / ", warnings)}");
                    Assert.Equal(got.Select(g => g.Time).Order(), got.Select(g => g.Time));
                    if (warnings.Any(w => w.Contains("damaged.db3: damaged sqlite3 file (", StringComparison.Ordinal))) salvaged++;
                    if (got.Count < layout.Rows.Count)
                        Assert.Contains(warnings, w => w.Contains("damaged.db3: damaged sqlite3 file", StringComparison.Ordinal) && w.Contains("lost", StringComparison.Ordinal));
                }
            }
            Assert.True(salvaged > 0, "SQLite noticed none of the damage: the rows were never read from the pages");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void InteriorPageDamaged_LeavesUnderItAreStillRead()
    {
        var dir = SyntheticBag.TempDir("sqlite-interior");
        Directory.CreateDirectory(dir);
        try
        {
            var source = WriteFromRealFrames(dir);
            var layout = Map(source);
            var interior = layout.PagesByKind["messages:internal"];
            var bytes = File.ReadAllBytes(source);
            foreach (var page in interior) bytes.AsSpan((int)((page - 1) * layout.PageSize), 12).Fill(0xEE);
            var file = Path.Combine(dir, "interior.db3");
            File.WriteAllBytes(file, bytes);
            var warnings = new List<string>();
            using var reader = BagReader.Open(file, warnings.Add);
            var got = reader.ReadMessages().Select(m => (m.Topic.Name, m.LogTimeNs, Convert.ToHexString(m.Data.Span))).ToList();
            // Interior pages hold no rows: every row is still on an intact leaf.
            Assert.Equal(layout.Rows.OrderBy(r => r.Timestamp).ThenBy(r => r.Id).Select(r => (r.Topic, r.Timestamp, r.Hex)), got);
            Assert.Contains(warnings, w => w.Contains("interior.db3: damaged sqlite3 file (", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.Contains($"{layout.Rows.Count} messages read from its pages, 0 lost", StringComparison.Ordinal));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void GarbagePages_OnlyBagFormatException()
    {
        // Whole pages of random bytes (some posing as table leaves) in copies of a real bag: the page scanner meets
        // cells with absurd sizes, serial types and overflow pointers, and must turn none of them into a crash.
        var dir = SyntheticBag.TempDir("sqlite-garbage");
        Directory.CreateDirectory(dir);
        try
        {
            var source = SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "sqlite3", "cdr_test", "cdr_test_0.db3");
            var intact = File.ReadAllBytes(source);
            var layout = Map(source);
            var rng = new Random(77);
            var file = Path.Combine(dir, "garbage.db3");
            for (var i = 0; i < 60; i++)
            {
                var bytes = (byte[])intact.Clone();
                for (var k = rng.Next(1, 4); k > 0; k--)
                {
                    var page = rng.Next(intact.Length / 4096);
                    var start = page * 4096 + rng.Next(4096 - 64);
                    rng.NextBytes(bytes.AsSpan(start, rng.Next(8, page * 4096 + 4096 - start)));
                    if (rng.Next(2) == 0) bytes[page * 4096 + (page == 0 ? 100 : 0)] = 0x0D;
                }
                if (i % 3 == 0) Craft(bytes, layout, i / 3 % 3);
                File.WriteAllBytes(file, bytes);
                try
                {
                    using var reader = BagReader.Open(file);
                    _ = reader.Info;
                    foreach (var m in reader.ReadMessages()) _ = m.Data.Length;
                }
                catch (BagFormatException e)
                {
                    Assert.Contains("garbage.db3", e.Message);
                }
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// Rewrites the messages leaf page as one hostile cell: a blob claiming 2^62 bytes, a payload claiming 2^40
    /// bytes whose overflow chain points back at itself, or a topics-like row whose text claims 2^62 bytes.
    /// </summary>
    private static void Craft(byte[] bytes, Layout layout, int kind)
    {
        var page = (int)layout.PagesByKind["messages:leaf"][0];
        var p = bytes.AsSpan((page - 1) * layout.PageSize, layout.PageSize);
        p.Clear();
        p[0] = 0x0D;
        p[4] = 1; // one cell
        p[5] = 0x0A; // content starts at 0x0A00
        p[8] = 0x0A; // cell 0 at 0x0A00
        // 9-byte varints of 2^62 (even: a blob) and 2^62 + 1 (odd: a text).
        byte[] hugeBlob = [0xA0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        byte[] hugeText = [0xA0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        byte[] cell = kind switch
        {
            0 => [15, 1, 13, 0, 1, 1, .. hugeBlob, 7, 9],
            1 => [0x82, 0x80, 0x80, 0x80, 0x80, 0x00, 1, .. new byte[489].Select((_, i) => (byte)(i < 4 ? new byte[] { 4, 0, 1, 1 }[i] : 0)), 0, 0, 0, (byte)page],
            _ => [19, 1, 13, 0, 0x13, 0x13, .. hugeText, .. "abcp/q"u8],
        };
        cell.CopyTo(p[0xA00..]);
    }
}
