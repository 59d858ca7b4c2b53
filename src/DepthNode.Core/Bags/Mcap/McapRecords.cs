namespace DepthNode.Bags.Mcap;

/// <summary>MCAP record opcodes (spec: foxglove/mcap website/docs/spec). 0x80–0xFF are private and skipped.</summary>
public enum McapOpcode : byte
{
    Header = 0x01, Footer = 0x02, Schema = 0x03, Channel = 0x04, Message = 0x05, Chunk = 0x06, MessageIndex = 0x07,
    ChunkIndex = 0x08, Attachment = 0x09, AttachmentIndex = 0x0A, Statistics = 0x0B, Metadata = 0x0C,
    MetadataIndex = 0x0D, SummaryOffset = 0x0E, DataEnd = 0x0F,
}

public static class McapConstants
{
    /// <summary>0x89 'M' 'C' 'A' 'P' '0' '\r' '\n': at the start and end of every file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A];
    public const int MagicLength = 8;
    /// <summary>opcode (1) + content length (8).</summary>
    public const int RecordHeaderLength = 9;
    /// <summary>Footer record incl. opcode and length: summary_start u64, summary_offset_start u64, summary_crc u32.</summary>
    public const int FooterRecordLength = 9 + 20;
    /// <summary>channel_id u16, sequence u32, log_time u64, publish_time u64 before the payload.</summary>
    public const int MessageHeaderLength = 22;

    public static string Name(McapOpcode op) => Enum.IsDefined(op) ? op.ToString() : $"opcode 0x{(byte)op:X2}";
}

public sealed record McapHeader(string Profile, string Library);

public readonly record struct McapFooter(ulong SummaryStart, ulong SummaryOffsetStart, uint SummaryCrc);

public sealed record McapSchema(ushort Id, string Name, string Encoding, byte[] Data);

public sealed record McapChannel(ushort Id, ushort SchemaId, string Topic, string MessageEncoding, IReadOnlyDictionary<string, string> Metadata);

/// <summary>The fixed part of a Message record; the payload is the rest of the record.</summary>
public readonly record struct McapMessageHeader(ushort ChannelId, uint Sequence, ulong LogTime, ulong PublishTime);

/// <summary>A Chunk record's header; <see cref="RecordsOffset"/> is where the (compressed) records start inside the record content.</summary>
public readonly record struct McapChunkHeader(ulong MessageStartTime, ulong MessageEndTime, ulong UncompressedSize, uint UncompressedCrc,
    string Compression, int RecordsOffset, long RecordsLength);

public sealed record McapChunkIndex(ulong MessageStartTime, ulong MessageEndTime, ulong ChunkStartOffset, ulong ChunkLength,
    IReadOnlyDictionary<ushort, ulong> MessageIndexOffsets, ulong MessageIndexLength, string Compression, ulong CompressedSize, ulong UncompressedSize);

public sealed record McapStatistics(ulong MessageCount, ushort SchemaCount, uint ChannelCount, uint AttachmentCount, uint MetadataCount,
    uint ChunkCount, ulong MessageStartTime, ulong MessageEndTime, IReadOnlyDictionary<ushort, ulong> ChannelMessageCounts);

public sealed record McapMetadata(string Name, IReadOnlyDictionary<string, string> Values);

public readonly record struct McapMetadataIndex(ulong Offset, ulong Length, string Name);
