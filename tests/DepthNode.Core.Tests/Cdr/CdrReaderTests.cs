using DepthNode.Cdr;
using DepthNode.Messages;

namespace DepthNode.Core.Tests.Cdr;

public class CdrReaderTests
{
    // The 72-byte Image from ros2bag_tools images.bag as laid out byte by byte in
    // shared/docs/ros2-dotnet-rosbag2-cdr.md C3, with the garbage padding byte 0x61 at file offset 59.
    private static byte[] DocImageExample(byte padding) =>
    [
        0x00, 0x01, 0x00, 0x00,
        0, 0, 0, 0, 0, 0, 0, 0,
        0x15, 0, 0, 0, .. "camera_optical_frame"u8, 0,
        0, 0, 0,
        2, 0, 0, 0, 2, 0, 0, 0,
        6, 0, 0, 0, .. "mono8"u8, 0,
        0,
        padding,
        2, 0, 0, 0,
        4, 0, 0, 0, 0x00, 0x80, 0x80, 0xff,
    ];

    [Fact]
    public void Image_DocWorkedExample_DecodesEveryField()
    {
        var bytes = DocImageExample(0x61);
        Assert.Equal(72, bytes.Length);
        var image = RosMessage.Deserialize<Image>(bytes);
        Assert.Equal("camera_optical_frame", image.Header.FrameId);
        Assert.Equal((2u, 2u, "mono8", (byte)0, 2u), (image.Height, image.Width, image.Encoding, image.IsBigEndian, image.Step));
        Assert.Equal(new byte[] { 0x00, 0x80, 0x80, 0xff }, image.Data.ToArray());
    }

    [Fact]
    public void Image_DataIsASliceOfTheSource_NotACopy()
    {
        var bytes = DocImageExample(0);
        var image = RosMessage.Deserialize<Image>(bytes);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(image.Data, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(68, segment.Offset); // data @64 relative to the origin at byte 4
    }

    [Fact]
    public void Writer_Image_ProducesTheCanonicalDocBytes()
    {
        var image = new Image(new Header(default, "camera_optical_frame"), 2, 2, "mono8", 0, 2, new byte[] { 0x00, 0x80, 0x80, 0xff });
        Assert.Equal(DocImageExample(0), RosMessage.SerializeToArray(image));
    }

    [Fact]
    public void Alignment_IsCountedFromByte4()
    {
        // uint8 then float64: the double sits at origin offset 8 = file offset 12 (file-relative alignment would say 8).
        byte[] bytes = [0, 1, 0, 0, 7, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, .. BitConverter.GetBytes(1.5)];
        var r = new CdrReader(bytes);
        Assert.Equal(7, r.ReadByte("t.a"));
        Assert.Equal(1.5, r.ReadDouble("t.b"));
        Assert.Equal(20, r.Position);
    }

    [Fact]
    public void String_LengthZero_IsEmpty_AndTrailingPaddingIgnored()
    {
        byte[] bytes = [0, 1, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0xEE, 0xEE];
        var r = new CdrReader(bytes);
        Assert.Equal("", r.ReadString("t.s"));
        Assert.Equal(9u, r.ReadUInt32("t.n"));
        Assert.Equal(2, r.Remaining);
    }

    [Theory]
    [InlineData(0x02, "PL_CDR_BE")]
    [InlineData(0x03, "PL_CDR_LE")]
    [InlineData(0x10, "CDR2_BE")]
    [InlineData(0x11, "CDR2_LE")]
    [InlineData(0x13, "PL_CDR2_LE")]
    [InlineData(0x15, "DELIMITED_CDR2_LE")]
    public void UnsupportedEncapsulation_IsRefusedNamingTheKind(byte kind, string name)
    {
        byte[] bytes = [0, kind, 0, 0, 1, 0, 0, 0];
        var e = Assert.Throws<CdrException>(() => new CdrReader(bytes));
        Assert.Equal(CdrErrorKind.UnsupportedEncapsulation, e.Kind);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void BigEndianHeader_ReadsBigEndianValues()
    {
        byte[] bytes = [0, 0, 0, 0, 0, 0, 0, 5, 0x40, 0x49, 0x0f, 0xdb];
        var r = new CdrReader(bytes);
        Assert.False(r.IsLittleEndian);
        Assert.Equal(5u, r.ReadUInt32("t.a"));
        Assert.Equal(3.1415927f, r.ReadSingle("t.b"));
    }

    [Fact]
    public void HugeSequenceLength_IsTruncatedError_BeforeAllocating()
    {
        byte[] bytes = [0, 1, 0, 0, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3];
        var e = Assert.Throws<CdrException>(() => { var r = new CdrReader(bytes); r.ReadDoubleSequence("sensor_msgs/CameraInfo.d"); });
        Assert.Equal(CdrErrorKind.Truncated, e.Kind);
        Assert.Equal("sensor_msgs/CameraInfo.d", e.Field);
        Assert.Equal(4, e.Offset);
        Assert.Contains("sensor_msgs/CameraInfo.d", e.Message);
        Assert.Contains("byte 4", e.Message);
    }

    [Fact]
    public void CdrException_IsAnIOException_SoTheCliReportsItAsOneLine()
    {
        var e = Assert.Throws<CdrException>(() => new CdrReader([0, 1]));
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Equal(CdrErrorKind.Truncated, e.Kind);
    }

    [Fact]
    public void Writer_PadsWithZerosAndRoundsPayloadTo4()
    {
        using var w = new CdrWriter();
        w.WriteByte(1);
        w.WriteDouble(2.0);
        w.WriteByte(3);
        w.Flush();
        byte[] expected = [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, .. BitConverter.GetBytes(2.0), 3, 0, 0, 0];
        Assert.Equal(expected, w.WrittenSpan.ToArray());
    }

    [Fact]
    public void Writer_Reset_ReusesTheBuffer_AndIBufferWriterTargetGetsTheSameBytes()
    {
        using var own = new CdrWriter(16);
        var target = new System.Buffers.ArrayBufferWriter<byte>();
        var external = new CdrWriter(target);
        var msg = new StringMessage(new string('x', 10_000));
        for (var i = 0; i < 3; i++)
        {
            own.Reset();
            RosMessage.Serialize(msg, own);
        }
        RosMessage.Serialize(msg, external);
        Assert.Equal(own.WrittenSpan.ToArray(), target.WrittenSpan.ToArray());
        Assert.Equal(4 + 4 + 10_001 + 3, target.WrittenCount);
    }
}

public class CdrReaderTryCreateTests
{
    [Fact]
    public void TryCreate_ReturnsFalseForOtherEncodings_TrueForCdr()
    {
        Assert.False(CdrReader.TryCreate([0, 0x11, 0, 0], out _));
        Assert.False(CdrReader.TryCreate([0, 1], out _));
        Assert.True(CdrReader.TryCreate([0, 1, 0, 0, 5, 0, 0, 0], out var r));
        Assert.Equal(5u, r.ReadUInt32("t.v"));
    }
}
