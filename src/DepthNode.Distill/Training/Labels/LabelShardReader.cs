using System.Buffers;
using MessagePack;
using Microsoft.Win32.SafeHandles;

namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// A shard opened for reading one entry at a time: a single walk over the memory-mapped file notes where each entry
/// lies (skipping the maps' bytes, so the kernel never reads them in), then <see cref="Read"/> decodes one entry from
/// the file on demand. The memory it holds is the index, not the maps: a fleet's cache need not fit in RAM.
/// </summary>
public sealed class LabelShardReader : IDisposable
{
    private readonly SafeFileHandle _file;

    /// <summary>Where one entry lies in the file, with the fields a lookup or a merge orders by.</summary>
    public readonly record struct Entry(int FrameIndex, string FrameKey, int View, long Offset, int Length);

    private LabelShardReader(string path, SafeFileHandle file, LabelShardFile.Header header, IReadOnlyList<Entry> entries)
    {
        (Path, _file, Header, Entries) = (path, file, header, entries);
    }

    public string Path { get; }
    public LabelShardFile.Header Header { get; }
    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>Indexes the shard; a file that is not a complete shard is the same one-line error as an eager read.</summary>
    /// <param name="segmentBytes">Size of the mapped segments (tests use small ones to cross segment boundaries).</param>
    public static LabelShardReader Open(string path, int segmentBytes = 1 << 30)
    {
        // One handle for the walk and every later read: the index describes exactly the bytes Read will see.
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            using var mapped = new MappedFileBytes(file, segmentBytes);
            var (header, entries) = LabelShardFile.ReadIndex(mapped.Bytes, path);
            return new LabelShardReader(path, file, header, entries);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Decodes one entry: the same label an eager read of the whole shard gives.</summary>
    public FrameLabel Read(Entry entry)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(entry.Length);
        try
        {
            var bytes = buffer.AsSpan(0, entry.Length);
            for (var done = 0; done < bytes.Length;)
            {
                var n = RandomAccess.Read(_file, bytes[done..], entry.Offset + done);
                if (n == 0) throw new InvalidDataException($"label shard {Path} ends inside the entry of {entry.FrameKey} view {entry.View} at byte {entry.Offset}; it was cut after it was opened");
                done += n;
            }
            var label = LabelShardFile.ReadEntry(buffer.AsMemory(0, entry.Length), Path, entry.Offset);
            if (label.FrameKey != entry.FrameKey || label.View != entry.View)
                throw new InvalidDataException($"label shard {Path} holds {label.FrameKey} view {label.View} at byte {entry.Offset}, where it held {entry.FrameKey} view {entry.View}; it changed after it was opened");
            return label;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _file.Dispose();
}
