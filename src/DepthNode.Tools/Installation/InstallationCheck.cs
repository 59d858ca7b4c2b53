namespace DepthNode.Installation;

/// <summary>One line of a <c>doctor</c> report: what was checked, what was found, and how to fix it when it failed.</summary>
public sealed record InstallationCheck(string Name, bool Ok, string Detail, string? Fix = null, bool Required = true)
{
    public static InstallationCheck Run(string name, Func<string> probe, string fix, bool required = true)
    {
        try { return new(name, true, probe(), null, required); }
        // One line per check: native loader errors run to a dozen lines, the first says what is missing.
        catch (Exception e) { return new(name, false, FirstLine(e.GetBaseException().Message), fix, required); }
    }

    private static string FirstLine(string s)
    {
        var lines = s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // The loader lists every path it tried; the line naming a missing dependency is the useful one.
        return lines.FirstOrDefault(l => l.Contains("cannot open shared object file") && !l.StartsWith('/')) ?? (lines.Length > 0 ? lines[0] : s);
    }
}

/// <summary>Prints checks one per line and says whether every required one passed.</summary>
public static class InstallationReport
{
    public static int Print(IEnumerable<InstallationCheck> checks, TextWriter w)
    {
        var failed = 0;
        foreach (var c in checks)
        {
            var tag = c.Ok ? "ok  " : c.Required ? "FAIL" : "warn";
            w.WriteLine(c.Ok || c.Fix is null ? $"[{tag}] {c.Name}: {c.Detail}" : $"[{tag}] {c.Name}: {c.Detail} -- fix: {c.Fix}");
            if (!c.Ok && c.Required) failed++;
        }
        w.WriteLine(failed == 0 ? "all required checks passed" : $"{failed} required check(s) failed");
        return failed == 0 ? 0 : 1;
    }
}
