using System.Buffers;
using System.Runtime.InteropServices;
using MessagePack;

namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// The on-disk pseudo-label shard: a MessagePack header map (format, version, identity, shard i/N, entry count)
/// followed by one MessagePack map per <see cref="FrameLabel"/>, maps stored as little-endian float32 binaries.
/// Written with the low-level writer and fixed key order, so equal content gives equal bytes.
/// </summary>
public static class LabelShardFile
{
    public const string Format = "depthnode-labels";
    public const int Version = 1;

    /// <summary>The header of a shard.</summary>
    public sealed record Header(LabelCacheIdentity Identity, ShardSpec Shard, int EntryCount);

    internal static void WriteHeader(IBufferWriter<byte> output, Header header)
    {
        var w = new MessagePackWriter(output);
        w.WriteMapHeader(5);
        w.Write("format"); w.Write(Format);
        w.Write("version"); w.Write(Version);
        w.Write("identity");
        w.WriteMapHeader(6);
        w.Write("teacher"); w.Write(header.Identity.TeacherName);
        w.Write("teacher_sha256"); w.Write(header.Identity.TeacherSha256);
        w.Write("preprocessing"); w.Write(header.Identity.Preprocessing);
        w.Write("geometry"); w.Write(header.Identity.Geometry);
        w.Write("seed"); w.Write(header.Identity.Seed);
        w.Write("views_per_frame"); w.Write(header.Identity.ViewsPerFrame);
        w.Write("shard"); w.WriteArrayHeader(2); w.Write(header.Shard.Index); w.Write(header.Shard.Count);
        w.Write("entries"); w.Write(header.EntryCount);
        w.Flush();
    }

    internal static void WriteEntry(IBufferWriter<byte> output, FrameLabel label)
    {
        var w = new MessagePackWriter(output);
        w.WriteMapHeader(6);
        w.Write("frame_index"); w.Write(label.FrameIndex);
        w.Write("frame"); w.Write(label.FrameKey);
        w.Write("view"); w.Write(label.View);
        w.Write("crop"); WriteBox(ref w, label.Sample.Crop);
        w.Write("patches"); w.WriteArrayHeader(label.Sample.Patches.Count);
        foreach (var p in label.Sample.Patches) WriteBox(ref w, p);
        w.Write("maps"); w.WriteArrayHeader(label.Maps.Count);
        foreach (var m in label.Maps)
        {
            m.Validate();
            w.WriteArrayHeader(3);
            w.Write(m.Height); w.Write(m.Width);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("label shards are written on little-endian machines");
            w.Write(MemoryMarshal.AsBytes(m.Values.AsSpan()));
        }
        w.Flush();
    }

    private static void WriteBox(ref MessagePackWriter w, SquareBox b)
    {
        w.WriteArrayHeader(3); w.Write(b.X); w.Write(b.Y); w.Write(b.Side);
    }

    /// <summary>Reads a whole shard; a file that is not a complete shard of this format is one clear error naming it.</summary>
    public static (Header Header, List<FrameLabel> Labels) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        try
        {
            var r = new MessagePackReader(bytes);
            var header = ReadHeader(ref r, path);
            var labels = new List<FrameLabel>(header.EntryCount);
            for (var i = 0; i < header.EntryCount; i++) labels.Add(ReadEntry(ref r, withValues: true));
            if (!r.End) throw new InvalidDataException($"label shard {path}: {bytes.Length - r.Consumed} bytes after the last of {header.EntryCount} entries");
            return (header, labels);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw Corrupt(path, e);
        }
    }

    /// <summary>Only the header (cheap identity checks before a merge or a run): reads the first page, not the file.</summary>
    public static Header ReadHeader(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var mapped = new MappedFileBytes(file);
        try
        {
            var r = new MessagePackReader(mapped.Bytes);
            return ReadHeader(ref r, path);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw Corrupt(path, e);
        }
    }

    /// <summary>
    /// Walks a whole shard without copying its maps (their lengths are checked, their bytes skipped): where each entry
    /// lies, for <see cref="LabelShardReader"/>. Errors are those of <see cref="Read"/>.
    /// </summary>
    internal static (Header Header, List<LabelShardReader.Entry> Entries) ReadIndex(ReadOnlySequence<byte> bytes, string path)
    {
        try
        {
            var r = new MessagePackReader(bytes);
            var header = ReadHeader(ref r, path);
            var entries = new List<LabelShardReader.Entry>(Math.Min(header.EntryCount, 1 << 16));
            for (var i = 0; i < header.EntryCount; i++)
            {
                var start = r.Consumed;
                FrameLabel label;
                try
                {
                    label = ReadEntry(ref r, withValues: false);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"label shard {path}: entry {i} at byte {start}: {e.Message}", e);
                }
                var length = r.Consumed - start;
                if (length > Array.MaxLength) throw new InvalidDataException($"label shard {path}: entry {i} at byte {start} is {length} bytes long");
                // The views of a frame follow each other: share its key string rather than hold one per view.
                var key = entries.Count > 0 && entries[^1].FrameKey == label.FrameKey ? entries[^1].FrameKey : label.FrameKey;
                entries.Add(new LabelShardReader.Entry(label.FrameIndex, key, label.View, start, (int)length));
            }
            if (!r.End) throw new InvalidDataException($"label shard {path}: {bytes.Length - r.Consumed} bytes after the last of {header.EntryCount} entries");
            return (header, entries);
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException)
        {
            throw Corrupt(path, e);
        }
    }

    /// <summary>One entry from its own bytes (found by <see cref="ReadIndex"/>).</summary>
    internal static FrameLabel ReadEntry(ReadOnlyMemory<byte> bytes, string path, long offset)
    {
        FrameLabel label;
        long consumed;
        try
        {
            var r = new MessagePackReader(bytes);
            label = ReadEntry(ref r, withValues: true);
            consumed = r.Consumed;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidDataException)
        {
            throw new InvalidDataException($"label shard {path}: the entry at byte {offset} is corrupt ({e.Message})", e);
        }
        if (consumed != bytes.Length) throw new InvalidDataException($"label shard {path}: the entry at byte {offset} is {consumed} bytes long, not {bytes.Length}");
        return label;
    }

    private static InvalidDataException Corrupt(string path, Exception e) =>
        new($"label shard {path} is truncated or corrupt ({e.Message})", e);

    private static Header ReadHeader(ref MessagePackReader r, string path)
    {
        if (r.NextMessagePackType != MessagePackType.Map) throw new InvalidDataException($"{path} is not a depthnode label shard");
        var fields = r.ReadMapHeader();
        string? format = null;
        int version = 0, entries = -1;
        LabelCacheIdentity? identity = null;
        ShardSpec shard = default;
        for (var f = 0; f < fields; f++)
        {
            switch (r.ReadString())
            {
                case "format": format = r.ReadString(); break;
                case "version": version = r.ReadInt32(); break;
                case "identity": identity = ReadIdentity(ref r); break;
                case "shard":
                    if (r.ReadArrayHeader() != 2) throw new InvalidDataException($"label shard {path}: shard must be [i, N]");
                    shard = new ShardSpec(r.ReadInt32(), r.ReadInt32());
                    break;
                case "entries": entries = r.ReadInt32(); break;
                default: r.Skip(); break;
            }
        }
        if (format != Format) throw new InvalidDataException($"{path} is not a depthnode label shard (format '{format}')");
        if (version != Version) throw new InvalidDataException($"label shard {path} has format version {version}; this build reads version {Version}");
        if (identity is null || entries < 0 || shard.Count < 1)
            throw new InvalidDataException($"label shard {path}: header lacks identity, shard or entry count");
        return new Header(identity, shard, entries);
    }

    private static LabelCacheIdentity ReadIdentity(ref MessagePackReader r)
    {
        var n = r.ReadMapHeader();
        string teacher = "", sha = "", pre = "", geometry = "";
        int seed = 0, views = 0;
        for (var i = 0; i < n; i++)
        {
            switch (r.ReadString())
            {
                case "teacher": teacher = r.ReadString() ?? ""; break;
                case "teacher_sha256": sha = r.ReadString() ?? ""; break;
                case "preprocessing": pre = r.ReadString() ?? ""; break;
                case "geometry": geometry = r.ReadString() ?? ""; break;
                case "seed": seed = r.ReadInt32(); break;
                case "views_per_frame": views = r.ReadInt32(); break;
                default: r.Skip(); break;
            }
        }
        return new LabelCacheIdentity(teacher, sha, pre, geometry, seed, views);
    }

    /// <summary>An entry; without values its maps are checked (shape and byte count) and skipped, not copied.</summary>
    private static FrameLabel ReadEntry(ref MessagePackReader r, bool withValues)
    {
        var n = r.ReadMapHeader();
        int frameIndex = -1, view = -1;
        string frame = "";
        SquareBox crop = default;
        var patches = new List<SquareBox>();
        var maps = new List<LabelMap>();
        for (var i = 0; i < n; i++)
        {
            switch (r.ReadString())
            {
                case "frame_index": frameIndex = r.ReadInt32(); break;
                case "frame": frame = r.ReadString() ?? ""; break;
                case "view": view = r.ReadInt32(); break;
                case "crop": crop = ReadBox(ref r); break;
                case "patches":
                    for (var k = r.ReadArrayHeader(); k > 0; k--) patches.Add(ReadBox(ref r));
                    break;
                case "maps":
                    for (var k = r.ReadArrayHeader(); k > 0; k--)
                    {
                        if (r.ReadArrayHeader() != 3) throw new InvalidDataException("a label map must be [height, width, data]");
                        var (h, w) = (r.ReadInt32(), r.ReadInt32());
                        var data = r.ReadBytes() ?? throw new InvalidDataException("label map without data");
                        if (h < 1 || w < 1 || data.Length != (long)h * w * sizeof(float))
                            throw new InvalidDataException($"label map {h}×{w} holds {data.Length} bytes");
                        if (!withValues) continue;
                        var values = new float[data.Length / sizeof(float)];
                        data.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                        maps.Add(new LabelMap(h, w, values).Validate());
                    }
                    break;
                default: r.Skip(); break;
            }
        }
        return new FrameLabel(frameIndex, frame, view, new CrossContextSample(crop, patches), maps);
    }

    private static SquareBox ReadBox(ref MessagePackReader r)
    {
        if (r.ReadArrayHeader() != 3) throw new InvalidDataException("a box must be [x, y, side]");
        return new SquareBox(r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
    }
}
