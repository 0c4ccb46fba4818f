from django.core.management.base import BaseCommand

from assessments import overview_counts


class Command(BaseCommand):
    help = (
        "Recount the national overview's figures (per council: people who submitted, submitted "
        "assessments, and each answer to each question) from every submitted answer, and set "
        "the kept counts of every council that differs to the recount, in one transaction. "
        "Prints each council it changed, or that nothing needed changing. The service keeps "
        "the counts up to date by itself; run this after loading data by hand or restoring a "
        "backup, or with --dry-run to check them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only compare: print what would change and write nothing.",
        )

    def handle(self, *args, dry_run: bool, **options):
        differences = overview_counts.overview_counts_rebuild(dry_run=dry_run)
        if not differences:
            self.stdout.write("The counts agree with the submitted answers: nothing to change.")
            return
        verb = "Would change" if dry_run else "Changed"
        # One line per council only when asked for the detail (the default); --verbosity 0
        # (a script filling a database, say) gets the summary alone.
        if options["verbosity"] >= 1:
            for difference in differences:
                self.stdout.write(f"{verb} {difference}")
        s = "" if len(differences) == 1 else "s"
        if dry_run:
            self.stdout.write(
                self.style.WARNING(
                    f"The counts of {len(differences)} council{s} differ from the submitted "
                    "answers. Dry run: nothing was written."
                )
            )
        else:
            self.stdout.write(f"Rebuilt the counts of {len(differences)} council{s}.")
