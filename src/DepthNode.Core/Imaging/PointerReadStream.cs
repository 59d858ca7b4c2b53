namespace DepthNode.Imaging;

/// <summary>
/// A read-only, seekable stream over bytes the caller keeps pinned, re-aimed per frame with <see cref="Reset"/>: the
/// managed decoder reads from a Stream, and a new MemoryStream per frame would mean copying the payload into an array.
/// </summary>
internal sealed unsafe class PointerReadStream : Stream
{
    private byte* _data;
    private long _length;
    private long _position;

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="data"/>, which must stay pinned while in use.</summary>
    public void Reset(byte* data, long length)
    {
        _data = data;
        _length = length;
        _position = 0;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Clamp(_length - _position, 0, buffer.Length);
        new ReadOnlySpan<byte>(_data + _position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int ReadByte() => _position < _length ? _data[_position++] : -1;

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
