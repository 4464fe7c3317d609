# SPDX-License-Identifier: GPL-2.0
"""Host tests of scripts/bench-report: it reads what the module writes (the CSV of
src/bench/report.rs), refuses what is not whole, and renders the tables.

    python3 -m unittest discover -s tests/host -p 'test_*.py'
"""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

# Loading the script must not leave a __pycache__ beside it.
sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_loader = importlib.machinery.SourceFileLoader("bench_report",
                                               os.path.join(ROOT, "scripts", "bench-report"))
_spec = importlib.util.spec_from_loader("bench_report", _loader)
report = importlib.util.module_from_spec(_spec)
_loader.exec_module(report)

HEADER = ("api,pattern,size,variant,threads,iters,repeat,min_ps,median_ps,p99_ps,max_ps,"
          "failed,retried")
ROWS = [
    "kmalloc,pairs,64,c,1,1000,5,290000,290000,290001,290001,0,0",
    "kmalloc,pairs,64,rust,1,1000,5,294000,294000,294001,294001,0,1",
    "kmalloc,batch,64,c,1,1000,5,345000,345000,345001,345001,0,0",
    "kmem_cache,batch,64,c,1,1000,5,327000,327000,327001,327001,0,0",
    "kmem_cache,pairs,64,c,1,1000,5,273000,273000,273001,273001,0,0",
    "kmem_cache_bulk,batch,64,c,1,1000,5,167000,167000,167001,167001,0,0",
    "vmalloc,pairs,4096,c,1,1000,5,8770000,8770000,8770001,8770001,0,3",
    "vmalloc,pairs,4096,rust,1,1000,5,8809000,8809000,8809001,8809001,0,3",
]
UNIT = {"mode": "icount (guest instructions)", "name": "instructions"}


def write_csv(lines):
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    f.write("\n".join(lines) + "\n")
    f.close()
    return f.name


class ReadRows(unittest.TestCase):
    def test_a_whole_csv_parses(self):
        rows = report.read_rows(write_csv([HEADER] + ROWS))
        self.assertEqual(len(rows), len(ROWS))
        self.assertEqual((rows[2]["pattern"], rows[2]["size"], rows[2]["median_ps"]),
                         ("batch", 64, 345000))

    def test_what_is_not_whole_is_refused(self):
        for lines in ([HEADER.replace("pattern,", "")] + ROWS,
                      [HEADER, ROWS[0].replace(",pairs", "")],
                      [HEADER, ROWS[0].replace("pairs", "lifo")],
                      [HEADER, ROWS[0].replace(",c,", ",go,")],
                      [HEADER, ROWS[0].replace("290000", "x", 1)],
                      [HEADER]):
            with self.assertRaises(ValueError, msg=lines):
                report.read_rows(write_csv(lines))


class Markdown(unittest.TestCase):
    def setUp(self):
        self.text = report.markdown(report.read_rows(write_csv([HEADER] + ROWS)),
                                    {"kernel": "7.3.4"}, "quiet", "12.3", UNIT)

    def test_one_row_per_case_with_its_ratio(self):
        self.assertIn("| kmalloc | pairs | 64 | 1000 | 290 (290) | 294 (294) |  | 1.014 |  | 1 |",
                      self.text)
        self.assertIn("| kmalloc | batch | 64 | 1000 | 345 (345) |", self.text)

    def test_the_patterns_against_pairs_and_bulk_against_batch(self):
        self.assertIn("| kmalloc | 64 | 290 | 345 |  |  |  | 1.19 |  |  |  |", self.text)
        self.assertIn("| kmem_cache | 64 | 273 | 327 |  |  | 167 | 1.20 |  |  | 0.51 |",
                      self.text)
        # A bulk API is its peer's column, not a row of its own.
        self.assertNotIn("| kmem_cache_bulk | 64 | ", self.text)


class TestVmalloc(unittest.TestCase):
    LINE = ("Summary: fix_size_alloc_test passed: 5 failed: 0 xfailed: 0 repeat: 5 loops: 1000 "
            "avg: 8912 usec")

    def read(self, text):
        return report.read_test_vmalloc(write_csv([text]))

    def test_its_summary_line_parses_and_is_compared_with_memlab_s_vmalloc(self):
        parsed = self.read(self.LINE)
        self.assertEqual((parsed["loops"], parsed["avg_us"]), (1000, 8912))
        text = report.markdown(report.read_rows(write_csv([HEADER] + ROWS)), {}, "quiet", "1",
                               UNIT, parsed)
        self.assertIn("1000 loops x 5 repeats, 5 passed, 0 failed: 8,912 instructions", text)
        self.assertIn("c 8,770 (0.984 of it), rust 8,809 (0.988 of it)", text)

    def test_another_line_is_refused_and_no_file_is_none(self):
        for text in ("", self.LINE.replace("avg: 8912", "avg: x"),
                     self.LINE.replace("loops: 1000", "loops: 0"),
                     "Summary: full_fit_alloc_test passed: 5 failed: 0 xfailed: 0 repeat: 5 "
                     "loops: 1000 avg: 1 usec"):
            with self.assertRaises(ValueError, msg=text):
                self.read(text)
        self.assertIsNone(report.read_test_vmalloc("/nonexistent/test_vmalloc.txt"))


# The same cases on a kernel that does not zero on allocation: cheaper C loops.
NOINIT_ROWS = [
    "kmalloc,pairs,64,c,1,1000,5,200000,200000,200001,200001,0,0",
    "kmalloc,pairs,64,rust,1,1000,5,203000,203000,203001,203001,0,0",
    "vmalloc,pairs,4096,c,1,1000,5,7000000,7000000,7000001,7000001,0,0",
    "vmalloc,pairs,4096,rust,1,1000,5,7140000,7140000,7140001,7140001,0,0",
]


def write_run(parent, name, rows):
    """A run directory as qemu/bench writes it."""
    run = os.path.join(parent, name)
    os.makedirs(run)
    with open(os.path.join(run, "results.csv"), "w") as f:
        f.write("\n".join([HEADER] + rows) + "\n")
    with open(os.path.join(run, "results.ktap"), "w") as f:
        f.write(f'KTAP version 1\n# kernel=7.3.4 cpus=1 cpu="QEMU" init_on_alloc='
                f'{0 if "noinit" in name else 1} init_on_free=0 gates=none\n1..0\n')
    for file, text in (("cmdline", f"quiet {name}"), ("seconds", "7.4")):
        with open(os.path.join(run, file), "w") as f:
            f.write(text + "\n")
    return run


class Kernels(unittest.TestCase):
    def setUp(self):
        rows = report.read_rows(write_csv([HEADER] + ROWS))
        noinit = report.read_rows(write_csv([HEADER] + NOINIT_ROWS))
        self.text = report.markdown(rows, {}, "quiet", "1", UNIT, None, [
            ("stock", rows, {"init_on_alloc": "1"}, "quiet"),
            ("stock-noinit", noinit, {"init_on_alloc": "0"}, "quiet init_on_alloc=0")])

    def test_each_case_on_each_kernel_and_how_much_dearer_the_first_is(self):
        self.assertIn("| api | pattern | size | stock | stock-noinit | stock/stock-noinit |",
                      self.text)
        self.assertIn("| kmalloc | pairs | 64 | 290 | 200 | 1.45 |", self.text)
        self.assertIn("| vmalloc | pairs | 4K | 8,770 | 7,000 | 1.25 |", self.text)
        # A case the other kernel did not run is no row.
        self.assertNotIn("| kmalloc | batch | 64 | 345 |  |", self.text)
        self.assertIn("init_on_alloc=1 init_on_free=?", self.text)

    def test_rust_over_c_on_each_kernel(self):
        self.assertIn("- `stock`: 1 of 2 cases at most 1.01, the highest 1.014 (kmalloc pairs "
                      "64)", self.text)
        self.assertIn("- `stock-noinit`: 0 of 2 cases at most 1.01, the highest 1.020 "
                      "(vmalloc pairs 4K)", self.text)

    def test_one_kernel_has_no_kernels_section(self):
        rows = report.read_rows(write_csv([HEADER] + ROWS))
        self.assertNotIn("## Kernels", report.markdown(rows, {}, "quiet", "1", UNIT))


class TwoRuns(unittest.TestCase):
    def rows(self, lines):
        return report.read_rows(write_csv([HEADER] + lines))

    def test_the_same_run_agrees_in_full(self):
        self.assertEqual(report.agreement(self.rows(ROWS), self.rows(ROWS)),
                         report.Agreement(8, 8, 8, 2, 2, []))

    def test_a_median_or_a_ratio_that_moved_is_named(self):
        again = list(ROWS)
        # kmalloc 64 c: 290 -> 291.5 (+0.52 %, and rust/c 1.014 -> 1.009: still agrees).
        again[0] = again[0].replace(",290000,290000,", ",291500,291500,")
        # vmalloc 4K rust: 8809 -> 8853 (+0.50 %: agrees), rust/c 1.0044 -> 1.0095 (agrees).
        again[7] = again[7].replace(",8809000,8809000,", ",8853000,8853000,")
        agree = report.agreement(self.rows(ROWS), self.rows(again))
        # Two medians moved (one of them within 0.5 %): six of eight are identical.
        self.assertEqual(agree[:5], (7, 8, 6, 2, 2))
        self.assertEqual(agree.outside, ["kmalloc pairs 64 c: median 290 then 292 (+0.52 %)"])
        # A ratio that moves by more than 0.01.
        again[1] = again[1].replace(",294000,294000,", ",300000,300000,")
        outside = report.agreement(self.rows(ROWS), self.rows(again)).outside
        self.assertIn("kmalloc pairs 64 rust/c: 1.014 then 1.029", outside)

    def test_the_report_says_it(self):
        text = report.markdown(self.rows(ROWS), {}, "quiet", "1", UNIT, None, [], self.rows(ROWS))
        self.assertIn("again, in another boot: 8 of 8 medians within 0.5 % of the first run's "
                      "(8 identical), 2 of 2 ratios against C within 0.01.", text)


THREAD_ROWS = [
    "kmalloc,pairs,64,c,1,1000,5,150000,155000,160000,160000,0,0",
    "kmalloc,pairs,64,c,2,1000,5,300000,310000,330000,330000,0,0",
    "kmalloc,pairs,64,rust,2,1000,5,302000,312000,331000,331000,0,0",
]


class Threads(unittest.TestCase):
    def setUp(self):
        self.rows = report.read_rows(write_csv([HEADER] + THREAD_ROWS))

    def test_a_case_of_threads_is_set_beside_its_single_thread(self):
        lines = report.threads_table(self.rows, "tsc")
        self.assertIn("| kmalloc | pairs | 64 | c | 155 | 2 | 310 (300–330) | 2.00 |", lines)
        # No single-thread rust row: no quotient.
        self.assertIn("| kmalloc | pairs | 64 | rust |  | 2 | 312 (302–331) |  |", lines)
        self.assertFalse(any("not to be trusted" in line for line in lines))
        self.assertTrue(any("`kvm-clock`, not `tsc`" in line
                            for line in report.threads_table(self.rows, "kvm-clock")))

    def test_the_main_table_keeps_to_one_thread(self):
        text = report.markdown(self.rows, {}, "quiet", "1", UNIT)
        self.assertIn("| kmalloc | pairs | 64 | 1000 | 155 (150) |", text)
        self.assertNotIn("310 (300)", text)
        self.assertEqual(report.threads_table(report.read_rows(write_csv([HEADER] + ROWS)),
                                              "tsc"), [])


class Command(unittest.TestCase):
    """scripts/bench-report as scripts/run calls it (needs matplotlib: run in the sysroot)."""

    def run_report(self, *args):
        return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench-report"),
                               *args], capture_output=True, text=True)

    def test_two_kernels_make_the_report_its_plots_and_copies(self):
        with tempfile.TemporaryDirectory() as tmp:
            stock = write_run(tmp, "stock", ROWS)
            noinit = write_run(tmp, "stock-noinit", NOINIT_ROWS)
            out = os.path.join(tmp, "results")
            again = write_run(tmp, "stock-again", ROWS)
            threads = write_run(tmp, "stock-threads", THREAD_ROWS)
            done = self.run_report(stock, out, "--mode", "icount", "--kernel", noinit,
                                   "--again", again, "--threads", threads)
            self.assertEqual(done.returncode, 0, done.stderr)
            for name in ("README.md", "cost.png", "ratios.png", "kernels.png", "results.csv",
                         "results.ktap", "results-stock-noinit.csv", "results-again.csv",
                         "results-threads.csv"):
                self.assertTrue(os.path.getsize(os.path.join(out, name)), name)
            with open(os.path.join(out, "README.md")) as f:
                text = f.read()
            self.assertIn("| kmalloc | pairs | 64 | 290 | 200 | 1.45 |", text)
            # No clocksource file in the threads run: unknown, and said so.
            self.assertIn("| kmalloc | pairs | 64 | c | 155 | 2 | 310 (300–330) | 2.00 |", text)
            self.assertIn("`unknown`, not `tsc`", text)
            # No qemu-clock file either: no QEMU line, rather than a made-up one.
            self.assertNotIn("- QEMU:", text)

    def test_the_report_says_how_guest_time_ran(self):
        with tempfile.TemporaryDirectory() as tmp:
            stock = write_run(tmp, "stock", ROWS)
            clock = "icount (shift=0, sleep=off), seed 7, guest clock from 2026-01-01T00:00:00"
            with open(os.path.join(stock, "qemu-clock"), "w") as f:
                f.write(clock + "\n")
            out = os.path.join(tmp, "results")
            done = self.run_report(stock, out, "--mode", "icount")
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(os.path.join(out, "README.md")) as f:
                self.assertIn(f"- QEMU: {clock}\n", f.read())

    def test_a_broken_or_twice_named_run_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            stock = write_run(tmp, "stock", ROWS)
            broken = write_run(tmp, "perf", ROWS[:1] + ["kmalloc,pairs"])
            out = os.path.join(tmp, "results")
            for other in (broken, stock):
                done = self.run_report(stock, out, "--mode", "icount", "--kernel", other)
                self.assertNotEqual(done.returncode, 0, other)
                self.assertIn("bench-report: ", done.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
