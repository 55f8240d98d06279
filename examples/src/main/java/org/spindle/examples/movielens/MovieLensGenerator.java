package org.spindle.examples.movielens;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes MovieLens-schema CSV files, {@code ratings.csv (userId,movieId,rating,timestamp)} and
 * {@code movies.csv (movieId,title,genres,year)}, with planted structure: every user and movie has
 * a bias and a 4-dimensional taste vector, users like some genres, and a rating is
 * 3.5 + biases + taste . taste + genre liking + noise, rounded to half stars. So a model of
 * interactions (an FM) measurably beats the global mean and user-plus-item biases.
 * Usage: MovieLensGenerator <dir> <ratings> [seed]
 */
public final class MovieLensGenerator {
  static final String[] GENRES = {"Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
      "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
      "Western"};
  static final int DIM = 4;

  private MovieLensGenerator() {}

  public static void main(String[] args) throws IOException {
    write(Path.of(args[0]), Integer.parseInt(args[1]), args.length > 2 ? Long.parseLong(args[2]) : 7);
  }

  /** Writes both files into {@code dir}; users and movies scale with the number of ratings. */
  public static void write(Path dir, int ratings, long seed) throws IOException {
    Files.createDirectories(dir);
    Random rnd = new Random(seed);
    int users = Math.max(200, ratings / 40);
    int movies = Math.max(100, ratings / 80);
    double[][] movieTaste = new double[movies][DIM];
    double[] movieBias = new double[movies];
    int[][] movieGenres = new int[movies][];
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("movies.csv"))) {
      out.write("movieId,title,genres,year\n");
      for (int m = 0; m < movies; m++) {
        for (int d = 0; d < DIM; d++) {
          movieTaste[m][d] = rnd.nextGaussian() * 0.7;
        }
        movieBias[m] = rnd.nextGaussian() * 0.4;
        int n = 1 + rnd.nextInt(3);
        movieGenres[m] = new int[n];
        StringBuilder g = new StringBuilder();
        for (int i = 0; i < n; i++) {
          movieGenres[m][i] = rnd.nextInt(GENRES.length);
          g.append(i == 0 ? "" : "|").append(GENRES[movieGenres[m][i]]);
        }
        int year = 1950 + rnd.nextInt(66);
        out.write(m + ",Movie " + m + " (" + year + ")," + g + "," + year + "\n");
      }
    }
    double[][] userTaste = new double[users][DIM];
    double[] userBias = new double[users];
    double[][] genreLike = new double[users][GENRES.length];
    for (int u = 0; u < users; u++) {
      for (int d = 0; d < DIM; d++) {
        userTaste[u][d] = rnd.nextGaussian() * 0.7;
      }
      userBias[u] = rnd.nextGaussian() * 0.3;
      for (int g = 0; g < GENRES.length; g++) {
        genreLike[u][g] = rnd.nextGaussian() * 0.25;
      }
    }
    long start = 946_684_800L; // 2000-01-01
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("ratings.csv"))) {
      out.write("userId,movieId,rating,timestamp\n");
      for (int i = 0; i < ratings; i++) {
        int u = rnd.nextInt(users);
        int m = rnd.nextInt(movies);
        double r = 3.5 + userBias[u] + movieBias[m] + rnd.nextGaussian() * 0.4;
        for (int d = 0; d < DIM; d++) {
          r += userTaste[u][d] * movieTaste[m][d];
        }
        for (int g : movieGenres[m]) {
          r += genreLike[u][g];
        }
        double stars = Math.max(0.5, Math.min(5.0, Math.round(r * 2) / 2.0));
        long ts = start + (long) (rnd.nextDouble() * 365 * 24 * 3600 * 5);
        out.write(u + "," + m + "," + stars + "," + ts + "\n");
      }
    }
  }
}
