using System.Buffers;

namespace DepthNode.Distill.Training.Labels;

/// <summary>
/// Writes one shard entry by entry to "&lt;path&gt;.partial" and renames it to the final path in
/// <see cref="Complete"/> once the announced number of entries is written, so a killed labelling job never leaves a
/// file that looks like a finished shard.
/// </summary>
public sealed class LabelShardWriter : IDisposable
{
    private readonly string _path;
    private readonly string _partial;
    private readonly FileStream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private readonly int _expected;
    private int _written;
    private bool _completed;

    public LabelShardWriter(string path, LabelShardFile.Header header)
    {
        _path = path;
        _partial = path + ".partial";
        _expected = header.EntryCount;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _stream = new FileStream(_partial, FileMode.Create, FileAccess.Write);
        LabelShardFile.WriteHeader(_buffer, header);
        Flush();
    }

    public void Add(FrameLabel label)
    {
        if (_written == _expected) throw new InvalidOperationException($"label shard {_path}: more than the announced {_expected} entries");
        LabelShardFile.WriteEntry(_buffer, label);
        Flush();
        _written++;
    }

    public void Complete()
    {
        if (_written != _expected) throw new InvalidOperationException($"label shard {_path}: {_written} of the announced {_expected} entries written");
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_partial, _path, overwrite: true);
        _completed = true;
    }

    private void Flush()
    {
        _stream.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_completed && File.Exists(_partial)) File.Delete(_partial);
    }
}
