using System.Text.Json;
using DepthNode.Cdr;
using DepthNode.Tests;

namespace DepthNode.Core.Tests.Cdr;

/// <summary>
/// The schema-driven decoder on rosbag2's own cdr_test bag (test_msgs BasicTypes and Arrays, every primitive type).
/// Expected values come from rosbag2's play end-to-end test (int32_value 123; bool_values {true, false, true};
/// string_values "Complex Hello1..3") and, for the *_default fields, from the default values written in the
/// Arrays .msg text; everything else the recorder left zero-initialised.
/// </summary>
public class GenericDecoderTests
{
    private static readonly string Db3 = SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "sqlite3", "cdr_test", "cdr_test_0.db3");

    private static (RosMsgSchema Schema, List<SqliteRows.Row> Rows) Load(string type)
    {
        var (encoding, text) = SqliteRows.Definitions(Db3)[type];
        Assert.Equal("ros2msg", encoding);
        return (RosMsgSchema.Parse(type, text), SqliteRows.Messages(Db3).Where(r => r.Type == type).ToList());
    }

    [Fact]
    public void BasicTypes_DecodeToTheRecordedValues()
    {
        var (schema, rows) = Load("test_msgs/msg/BasicTypes");
        Assert.Equal(3, rows.Count);
        foreach (var row in rows)
        {
            var m = CdrDynamicDecoder.Decode(schema, row.Data);
            Assert.Equal(["bool_value", "byte_value", "char_value", "float32_value", "float64_value", "int8_value", "uint8_value",
                "int16_value", "uint16_value", "int32_value", "uint32_value", "int64_value", "uint64_value"], m.Keys);
            Assert.Equal(123, m["int32_value"]);
            Assert.Equal(false, m["bool_value"]);
            Assert.Equal(0.0, m["float64_value"]);
            Assert.Equal(0UL, m["uint64_value"]);
            Assert.Equal("""{"bool_value":false,"byte_value":0,"char_value":0,"float32_value":0,"float64_value":0,"int8_value":0,"uint8_value":0,"int16_value":0,"uint16_value":0,"int32_value":123,"uint32_value":0,"int64_value":0,"uint64_value":0}""",
                RosMsgJson.ToJson(m));
        }
    }

    [Fact]
    public void Arrays_DecodeToTheRecordedValues_IncludingEveryDefault()
    {
        var (schema, rows) = Load("test_msgs/msg/Arrays");
        Assert.Equal(4, rows.Count);
        foreach (var row in rows)
        {
            var m = CdrDynamicDecoder.Decode(schema, row.Data);
            Assert.Equal(new[] { true, false, true }, (bool[])m["bool_values"]!);
            Assert.Equal(["Complex Hello1", "Complex Hello2", "Complex Hello3"], (string[])m["string_values"]!);
            Assert.Equal(new byte[3], ((ReadOnlyMemory<byte>)m["byte_values"]!).ToArray());
            Assert.Equal(new[] { false, true, false }, (bool[])m["bool_values_default"]!);
            Assert.Equal(new byte[] { 0, 1, 255 }, ((ReadOnlyMemory<byte>)m["byte_values_default"]!).ToArray());
            Assert.Equal(new byte[] { 0, 1, 127 }, ((ReadOnlyMemory<byte>)m["char_values_default"]!).ToArray());
            Assert.Equal(new[] { 1.125f, 0.0f, -1.125f }, (float[])m["float32_values_default"]!);
            Assert.Equal(new[] { 3.1415, 0.0, -3.1415 }, (double[])m["float64_values_default"]!);
            Assert.Equal(new sbyte[] { 0, 127, -128 }, (sbyte[])m["int8_values_default"]!);
            Assert.Equal(new byte[] { 0, 1, 255 }, ((ReadOnlyMemory<byte>)m["uint8_values_default"]!).ToArray());
            Assert.Equal(new short[] { 0, 32767, -32768 }, (short[])m["int16_values_default"]!);
            Assert.Equal(new ushort[] { 0, 1, 65535 }, (ushort[])m["uint16_values_default"]!);
            Assert.Equal(new[] { 0, int.MaxValue, int.MinValue }, (int[])m["int32_values_default"]!);
            Assert.Equal(new uint[] { 0, 1, uint.MaxValue }, (uint[])m["uint32_values_default"]!);
            Assert.Equal(new[] { 0, long.MaxValue, long.MinValue }, (long[])m["int64_values_default"]!);
            Assert.Equal(new ulong[] { 0, 1, ulong.MaxValue }, (ulong[])m["uint64_values_default"]!);
            Assert.Equal(["", "max value", "min value"], (string[])m["string_values_default"]!);
            Assert.Equal(0, m["alignment_check"]);

            // Nested Defaults[3]: each element carries the defaults of test_msgs/Defaults.
            var defaults = (object?[])m["defaults_values"]!;
            Assert.Equal(3, defaults.Length);
            foreach (var d in defaults.Cast<OrderedDictionary<string, object?>>())
            {
                Assert.Equal(true, d["bool_value"]);
                Assert.Equal((byte)50, d["byte_value"]);
                Assert.Equal((byte)100, d["char_value"]);
                Assert.Equal(1.125f, d["float32_value"]);
                Assert.Equal(1.125, d["float64_value"]);
                Assert.Equal((sbyte)-50, d["int8_value"]);
                Assert.Equal((byte)200, d["uint8_value"]);
                Assert.Equal((short)-1000, d["int16_value"]);
                Assert.Equal((ushort)2000, d["uint16_value"]);
                Assert.Equal(-30000, d["int32_value"]);
                Assert.Equal(60000u, d["uint32_value"]);
                Assert.Equal(-40000000L, d["int64_value"]);
                Assert.Equal(50000000UL, d["uint64_value"]);
            }
            // Constants has no fields: three placeholder bytes, printed as empty objects.
            Assert.Equal(3, ((object?[])m["constants_values"]!).Length);

            var json = RosMsgJson.ToJson(m);
            using var doc = JsonDocument.Parse(json);
            Assert.Equal("18446744073709551615", doc.RootElement.GetProperty("uint64_values_default")[2].GetRawText());
            Assert.Equal("-3.1415", doc.RootElement.GetProperty("float64_values_default")[2].GetRawText());
            Assert.Equal("{}", doc.RootElement.GetProperty("constants_values")[0].GetRawText());
        }
    }

    [Fact]
    public void Schema_FromTheMcapFile_IsTheSameText_AndAcceptsMsgInDependencyHeaders()
    {
        // The MCAP version of the bag carries the same definition; "MSG: test_msgs/msg/BasicTypes" must work too.
        var text = SqliteRows.Definitions(Db3)["test_msgs/msg/Arrays"].Text;
        var mcap = File.ReadAllText(SharedData.Path("bags", "rosbag2", "rosbag2_tests", "resources", "mcap", "cdr_test", "cdr_test_0.mcap"), System.Text.Encoding.Latin1);
        Assert.Contains(text.Split('\n')[1], mcap);
        var withMsg = text.Replace("MSG: test_msgs/", "MSG: test_msgs/msg/", StringComparison.Ordinal);
        var schema = RosMsgSchema.Parse("test_msgs/Arrays", withMsg);
        var row = SqliteRows.Messages(Db3).First(r => r.Type == "test_msgs/msg/Arrays");
        Assert.Equal(RosMsgJson.ToJson(CdrDynamicDecoder.Decode(RosMsgSchema.Parse("test_msgs/msg/Arrays", text), row.Data)),
            RosMsgJson.ToJson(CdrDynamicDecoder.Decode(schema, row.Data)));
    }

    [Fact]
    public void Schema_AllArrayAndStringForms_DecodeByHandLayout()
    {
        const string def = """
            # comment line
            int32 CONST_A = 5
            string CONST_S="x # not a comment"
            uint8 flag 1
            string<=5 name
            int16[<=3] small
            float64[2] pair
            wstring w
            Inner[] inner
            ================================================================================
            MSG: pkg/Inner
            char c
            """;
        var schema = RosMsgSchema.Parse("pkg/msg/Outer", def);
        Assert.Equal(["flag", "name", "small", "pair", "w", "inner"], schema.Root.Fields.Select(f => f.Name));
        byte[] bytes =
        [
            0, 1, 0, 0,
            9,                                  // flag @0
            0, 0, 0, 3, 0, 0, 0, (byte)'a', (byte)'b', 0, // name len @4
            0,                                  // pad to 2 @11 -> count must align 4: @12
            2, 0, 0, 0, 0xff, 0x7f, 0x00, 0x80, // small count @12, values @16
            0, 0, 0, 0,                         // pad @20 to 8-alignment
            .. BitConverter.GetBytes(0.5), .. BitConverter.GetBytes(-2.0), // pair @24 (aligned 8)
            1, 0, 0, 0, 0xe9, 0, 0, 0,         // w: 1 code unit, U+00E9
            2, 0, 0, 0, 65, 66,                 // inner: 2 × char
        ];
        var m = CdrDynamicDecoder.Decode(schema, bytes);
        Assert.Equal("""{"flag":9,"name":"ab","small":[32767,-32768],"pair":[0.5,-2],"w":"é","inner":[{"c":65},{"c":66}]}""", RosMsgJson.ToJson(m));
    }

    [Fact]
    public void Json_LargeByteArraysPrintAsLengthAndSha256_NonFiniteAsStrings()
    {
        var schema = RosMsgSchema.Parse("pkg/Blob", "uint8[] data\nfloat32 a\nfloat64 b\nfloat64 c\n");
        var data = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        using var w = new CdrWriter();
        w.WriteByteSequence(data);
        w.WriteSingle(float.NaN);
        w.WriteDouble(double.PositiveInfinity);
        w.WriteDouble(0.1);
        w.Flush();
        var json = RosMsgJson.ToJson(CdrDynamicDecoder.Decode(schema, w.WrittenMemory));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        Assert.Equal($$"""{"data":{"length":300,"sha256":"{{sha}}"},"a":"NaN","b":"Infinity","c":0.1}""", json);
    }

    [Fact]
    public void Schema_Errors_NameTheProblem()
    {
        var e = Assert.Throws<CdrException>(() => RosMsgSchema.Parse("pkg/A", "Missing m\n"));
        Assert.Equal(CdrErrorKind.InvalidSchema, e.Kind);
        Assert.Contains("pkg/Missing", e.Message);
        Assert.Contains("pkg/A.m", e.Message);
        var bound = RosMsgSchema.Parse("pkg/B", "int32[<=2] v\n");
        var x = Assert.Throws<CdrException>(() => CdrDynamicDecoder.Decode(bound, new byte[] { 0, 1, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0 }));
        Assert.Equal(CdrErrorKind.InvalidValue, x.Kind);
        Assert.Equal("pkg/B.v", x.Field);
    }
}

public class RosMsgJsonFloatTests
{
    [Fact]
    public void Floats_PrintShortest_AndParseBackToTheSameBits()
    {
        var schema = RosMsgSchema.Parse("pkg/F", "float32 a\nfloat64 b\n");
        var random = new Random(5);
        using var w = new CdrWriter();
        for (var i = 0; i < 2000; i++)
        {
            var f = BitConverter.Int32BitsToSingle(random.Next());
            var d = BitConverter.Int64BitsToDouble(random.NextInt64());
            if (i == 0) (f, d) = (0.1f, 0.1);
            if (!float.IsFinite(f) || !double.IsFinite(d)) continue;
            w.Reset();
            w.WriteSingle(f);
            w.WriteDouble(d);
            w.Flush();
            using var doc = JsonDocument.Parse(RosMsgJson.ToJson(CdrDynamicDecoder.Decode(schema, w.WrittenMemory)));
            var a = doc.RootElement.GetProperty("a");
            var b = doc.RootElement.GetProperty("b");
            Assert.Equal(BitConverter.SingleToInt32Bits(f), BitConverter.SingleToInt32Bits(float.Parse(a.GetRawText(), System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(BitConverter.DoubleToInt64Bits(d), BitConverter.DoubleToInt64Bits(double.Parse(b.GetRawText(), System.Globalization.CultureInfo.InvariantCulture)));
            if (i == 0) Assert.Equal(("0.1", "0.1"), (a.GetRawText(), b.GetRawText()));
        }
    }
}
