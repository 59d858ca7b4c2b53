namespace DepthNode.Cdr;

/// <summary>
/// The encapsulation kind in byte 1 of the 4-byte header (DDS-XTypes 7.6.2.1.2). Only <see cref="CdrBigEndian"/> and
/// <see cref="CdrLittleEndian"/> (plain CDR / XCDR1, what every ROS 2 rmw writes) are decoded; the others are named
/// so that refusing them can say what the data actually was.
/// </summary>
public enum CdrEncapsulation : byte
{
    CdrBigEndian = 0x00,
    CdrLittleEndian = 0x01,
    ParameterListCdrBigEndian = 0x02,
    ParameterListCdrLittleEndian = 0x03,
    Cdr2BigEndian = 0x10,
    Cdr2LittleEndian = 0x11,
    ParameterListCdr2BigEndian = 0x12,
    ParameterListCdr2LittleEndian = 0x13,
    DelimitedCdr2BigEndian = 0x14,
    DelimitedCdr2LittleEndian = 0x15,
}

public static class CdrEncapsulationNames
{
    /// <summary>The spec's name (CDR_LE, PL_CDR2_BE, …) or the hex value for unknown kinds.</summary>
    public static string SpecName(this CdrEncapsulation kind) => kind switch
    {
        CdrEncapsulation.CdrBigEndian => "CDR_BE",
        CdrEncapsulation.CdrLittleEndian => "CDR_LE",
        CdrEncapsulation.ParameterListCdrBigEndian => "PL_CDR_BE",
        CdrEncapsulation.ParameterListCdrLittleEndian => "PL_CDR_LE",
        CdrEncapsulation.Cdr2BigEndian => "CDR2_BE",
        CdrEncapsulation.Cdr2LittleEndian => "CDR2_LE",
        CdrEncapsulation.ParameterListCdr2BigEndian => "PL_CDR2_BE",
        CdrEncapsulation.ParameterListCdr2LittleEndian => "PL_CDR2_LE",
        CdrEncapsulation.DelimitedCdr2BigEndian => "DELIMITED_CDR2_BE",
        CdrEncapsulation.DelimitedCdr2LittleEndian => "DELIMITED_CDR2_LE",
        _ => $"0x{(byte)kind:x2}",
    };
}
