using BenchmarkDotNet.Running;

// One entry point for every suite: pick with --filter, e.g. --filter '*PointCloud*'.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
