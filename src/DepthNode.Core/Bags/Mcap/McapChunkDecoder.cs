using System.IO.Hashing;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace DepthNode.Bags.Mcap;

/// <summary>
/// Decompresses chunk records (<c>""</c>, <c>zstd</c>, LZ4 frame <c>lz4</c>) into a <see cref="BoundedPooledBuffer"/> and checks
/// the chunk CRC. The zstd decoder is created once and reused for every chunk.
/// </summary>
internal sealed class McapChunkDecoder : IDisposable
{
    // A declared size up to this multiple of the compressed size is allocated up front (fast path); a larger claim
    // (legitimate for e.g. all-zero images) is honoured only as the decoder really produces the bytes.
    private const long TrustedExpansion = 64;
    private Decompressor? _zstd;

    public void Decode(in McapChunkHeader chunk, ReadOnlySpan<byte> records, byte[] recordsArray, int recordsStart,
        BoundedPooledBuffer output, long offset, bool verifyCrc)
    {
        if (chunk.UncompressedSize > (ulong)System.Array.MaxLength)
            throw new McapException(McapErrorKind.TooLarge, offset, "Chunk", "uncompressed_size", $"{chunk.UncompressedSize} bytes exceeds the limit of {System.Array.MaxLength}");
        var size = (int)chunk.UncompressedSize;
        try
        {
            switch (chunk.Compression)
            {
                case "":
                    if (records.Length != size)
                        throw new McapException(McapErrorKind.Invalid, offset, "Chunk", "uncompressed_size", $"{size} but the uncompressed records are {records.Length} bytes");
                    records.CopyTo(output.ResetTo(size));
                    break;
                case "zstd":
                    if (size <= records.Length * TrustedExpansion + (1 << 20))
                    {
                        var dst = output.ResetTo(size);
                        _zstd ??= new Decompressor();
                        var n = _zstd.Unwrap(records, dst);
                        if (n != size) throw Mismatch(offset, size, n);
                    }
                    else
                    {
                        output.Reset(size);
                        using var ms = new MemoryStream(recordsArray, recordsStart, records.Length, writable: false);
                        using var zs = new DecompressionStream(ms);
                        int read;
                        while ((read = zs.Read(output.GetSpan(1 << 16))) > 0) output.Advance(read);
                        if (output.Length != size) throw Mismatch(offset, size, output.Length);
                    }
                    break;
                case "lz4":
                    output.Reset(size);
                    LZ4Frame.Decode(records, output, 0);
                    if (output.Length != size) throw Mismatch(offset, size, output.Length);
                    break;
                default:
                    throw new McapException(McapErrorKind.Invalid, offset, "Chunk", "compression", $"unsupported compression '{chunk.Compression}' (supported: none, zstd, lz4)");
            }
        }
        catch (Exception e) when (e is not McapException)
        {
            // Decoders report corrupt input with their own exception types; callers see one type with a position.
            var kind = e is InsufficientMemoryException ? McapErrorKind.TooLarge : McapErrorKind.Invalid;
            throw new McapException(kind, offset, "Chunk", "records", $"{(chunk.Compression == "" ? "copy" : chunk.Compression)} decoding failed: {e.Message}", null, e);
        }
        if (verifyCrc && chunk.UncompressedCrc != 0)
        {
            var crc = Crc32.HashToUInt32(output.Span);
            if (crc != chunk.UncompressedCrc)
                throw new McapException(McapErrorKind.CrcMismatch, offset, "Chunk", "uncompressed_crc", $"stored 0x{chunk.UncompressedCrc:X8}, computed 0x{crc:X8}");
        }
    }

    /// <summary>
    /// Decompresses the part of a chunk that a cut-off file still holds, as far as it goes: zstd and LZ4 emit each
    /// block once all of its bytes are there, so everything before the block the cut falls in comes back. Never
    /// throws for missing or trailing bytes; the output stops at <paramref name="limit"/> (the declared size).
    /// </summary>
    /// <returns>False for a compression this reader does not know (nothing is decoded).</returns>
    public static bool DecodePrefix(string compression, byte[] array, int start, int length, BoundedPooledBuffer output, long limit, out string? stoppedBy)
    {
        stoppedBy = null;
        output.Reset(limit);
        if (compression == "")
        {
            var n = (int)Math.Min(length, limit);
            array.AsSpan(start, n).CopyTo(output.GetSpan(n));
            output.Advance(n);
            return true;
        }
        if (compression is not ("zstd" or "lz4")) return false;
        using var ms = new MemoryStream(array, start, length, writable: false);
        using Stream decoder = compression == "zstd" ? new DecompressionStream(ms) : LZ4Stream.Decode(ms, interactive: true);
        try
        {
            while (output.Length < limit)
            {
                var dst = output.GetSpan((int)Math.Min(1 << 16, limit - output.Length));
                var read = decoder.Read(dst[..(int)Math.Min(dst.Length, limit - output.Length)]);
                if (read == 0) break;
                output.Advance(read);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The decoder meets the cut (or garbage after it): what it produced before is whole blocks.
            stoppedBy = e.Message;
        }
        return true;
    }

    private static McapException Mismatch(long offset, int declared, int actual) =>
        new(McapErrorKind.Invalid, offset, "Chunk", "uncompressed_size", $"declared {declared} bytes, decompressed {actual}");

    public void Dispose() => _zstd?.Dispose();
}
